namespace VoucherExport.Registry;

/// <summary>How many exports one instance (registry) runs now.</summary>
/// <param name="Instance">The registry's worker name (<see cref="ExportRegistryOptions.WorkerName"/>).</param>
/// <param name="Running">Its exports <c>IN_PROGRESS</c> under a live lease.</param>
public sealed record InstanceLoad(string Instance, int Running);
