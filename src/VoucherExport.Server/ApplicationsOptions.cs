namespace VoucherExport.Server;

/// <summary>
/// <c>Applications:&lt;id&gt;</c> = token: who may call the API, bound from the configuration root by the options binder
/// and checked at start. Each application sees only its own exports; with none, the demo application stands in.
/// </summary>
public sealed class ApplicationsOptions
{
    /// <summary>Application id to its token (at least <see cref="ServerOptions.MinTokenLength"/> characters, each token once).</summary>
    public Dictionary<string, string> Applications { get; } = new(StringComparer.Ordinal);
}
