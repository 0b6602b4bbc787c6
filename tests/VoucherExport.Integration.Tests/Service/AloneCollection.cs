namespace VoucherExport.Integration.Tests.Service;

/// <summary>
/// Tests that load the machine for minutes (a 2,000,000-row ledger, five exports of it): xunit runs this collection by
/// itself, after the parallel ones, so it neither starves the time-bounded tests of the other classes nor is starved by
/// them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    /// <summary>The collection's name, for <c>[Collection(AloneCollection.Name)]</c>.</summary>
    public const string Name = "alone";
}
