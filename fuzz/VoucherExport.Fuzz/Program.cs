using VoucherExport.Fuzz;

// fuzz <target>            : run under AFL++ (the assembly instrumented by the sharpfuzz tool), input on stdin.
// replay <target> <folder> : run every saved input of a corpus folder once, as the tests do.
if (args.Length < 2 || FuzzTargets.Find(args[1]) is not { } target)
{
    Console.Error.WriteLine($"usage: fuzz|replay <{string.Join("|", FuzzTargets.All.Select(t => t.Name))}> [corpus folder]");
    return 2;
}

switch (args[0])
{
    case "fuzz":
        SharpFuzz.Fuzzer.OutOfProcess.Run(stream =>
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            target.Run(copy.GetBuffer().AsSpan(0, (int)copy.Length));
        });
        return 0;
    case "replay" when args.Length == 3:
        foreach (string file in Directory.EnumerateFiles(args[2]))
        {
            target.Run(File.ReadAllBytes(file));
        }

        return 0;
    default:
        Console.Error.WriteLine("usage: fuzz <target> | replay <target> <folder>");
        return 2;
}
