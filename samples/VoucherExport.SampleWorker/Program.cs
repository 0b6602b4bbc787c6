using VoucherExport.SampleWorker;

return await SampleApp.RunAsync(args);
