Console.Error.WriteLine("PostgreSQL/S3 benchmark: not written yet");
return 1;
