namespace VoucherExport.LoadTest;

/// <summary>One export the clients ask for: the create route and body, and the CSV the server must produce for it.</summary>
/// <param name="Kind">voucher, campaign, member or filtered (the generic <c>POST /v1/exports</c>).</param>
/// <param name="Path">The create route.</param>
/// <param name="Body">The JSON body sent.</param>
/// <param name="Expected">The bytes the finished export must serve.</param>
public sealed record ExportTemplate(string Kind, string Path, string Body, ExpectedExport Expected);
