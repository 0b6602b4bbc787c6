namespace VoucherExport.Server.Console;

/// <summary>Who is looking at the console: every application (the console token) or one application.</summary>
/// <param name="AppIds">The applications whose exports are shown; null for every application.</param>
/// <param name="Label">How the page names the viewer.</param>
internal sealed record ConsoleViewer(IReadOnlyCollection<string>? AppIds, string Label)
{
    public static ConsoleViewer Everyone { get; } = new(null, "every application");

    public static ConsoleViewer Of(string appId) => new([appId], "application " + appId);

    public bool Sees(string appId) => AppIds is null || AppIds.Contains(appId);
}
