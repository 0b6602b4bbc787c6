using VoucherExport.Adapters.Benchmarks;

// dotnet run -c Release --project benchmarks/VoucherExport.Adapters.Benchmarks -- [--rows N] [--partitions P] [--runs R] [--s3]
// Needs VX_POSTGRES (scripts/start-postgres). Prints a Markdown report on stdout; progress goes to stderr.
return await AdapterBenchmark.RunAsync(args);
