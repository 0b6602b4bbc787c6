using VoucherExport.Parameters;

namespace VoucherExport.Registry;

/// <summary>The export object of SPEC §1, as Voucherify returns it.</summary>
public sealed record ExportObject
{
    /// <summary>The object name, always <c>export</c>.</summary>
    public const string ObjectName = "export";

    /// <summary>The only exported object this library knows.</summary>
    public const string VoucherTransactions = "voucher_transactions";

    /// <summary><c>exp_</c> + 24 alphanumerics.</summary>
    public required string Id { get; init; }

    /// <summary>When the export was created (UTC).</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Where it is in its lifecycle.</summary>
    public ExportStatus Status { get; init; } = ExportStatus.Scheduled;

    /// <summary><c>API</c>, or <c>WEBSITE</c> when a host says so (then <see cref="UserId"/> is set).</summary>
    public string Channel { get; init; } = "API";

    /// <summary>Always <c>voucher_transactions</c>.</summary>
    public string ExportedObject { get; init; } = VoucherTransactions;

    /// <summary>The stored parameters, scope filters included.</summary>
    public required ExportParameters Parameters { get; init; }

    /// <summary>The result when <c>DONE</c>, else null.</summary>
    public ExportResultInfo? Result { get; init; }

    /// <summary>The dashboard user that asked for it, or null.</summary>
    public string? UserId { get; init; }

    /// <summary>Why it ended in <c>ERROR</c>, else null.</summary>
    public VoucherifyError? Error { get; init; }

    /// <summary>Progress while <c>IN_PROGRESS</c>, else null.</summary>
    public ExportProgress? Progress { get; init; }
}
