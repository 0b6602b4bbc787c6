using VoucherExport.Adapters.Benchmarks;

// dotnet run -c Release --project benchmarks/VoucherExport.Adapters.Benchmarks -- [--rows N] [--partitions P] [--runs R] [--s3]
// Needs VX_POSTGRES (scripts/start-postgres). Prints a Markdown report on stdout; progress goes to stderr.
// -- s3-sinks [rows] [rounds]: a demo-ledger export to disk and to S3 with several part sizes, taking turns.
return args is ["s3-sinks", .. var rest] ? await S3SinkComparison.RunAsync(rest) : await AdapterBenchmark.RunAsync(args);
