namespace VoucherExport.Fuzz;

/// <summary>One fuzz target: any input must end in a result or the documented validation error, never another exception.</summary>
public interface IFuzzTarget
{
    /// <summary>The name used on the command line and as the corpus folder.</summary>
    string Name { get; }

    /// <summary>Runs one input; throws only when the code under test misbehaves.</summary>
    void Run(ReadOnlySpan<byte> input);
}
