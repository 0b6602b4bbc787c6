using VoucherExport.Parameters;

namespace VoucherExport.Cli;

/// <summary>Bad command-line input, reported as a Voucherify-shaped error with exit code 2.</summary>
public sealed class CliInputException : Exception
{
    public CliInputException(VoucherifyError error)
        : base(error.Details ?? error.Message)
    {
        Error = error;
    }

    public CliInputException(string option, string problem)
        : this(new VoucherifyError(400, "invalid_arguments", "Invalid arguments", $"{option}: {problem}"))
    {
    }

    public VoucherifyError Error { get; }
}
