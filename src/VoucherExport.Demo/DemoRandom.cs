namespace VoucherExport.Demo;

/// <summary>
/// SplitMix64, owned here so that a demo ledger's bytes never change with the runtime's
/// <see cref="Random"/> algorithm: benchmarks and tests compare data across .NET versions.
/// </summary>
internal sealed class DemoRandom
{
    /// <summary>Ordinal order (digits, then upper case, then lower case), so ids built from it sort as expected.</summary>
    public const string Alphanumeric = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>The characters of voucher codes.</summary>
    public const string UpperAlphanumeric = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

    private ulong _state;

    /// <summary>A generator for <paramref name="seed"/>; distinct <paramref name="stream"/>s give unrelated sequences.</summary>
    public DemoRandom(int seed, ulong stream)
    {
        _state = (ulong)(uint)seed;
        _state = NextUInt64() ^ (stream * 0xD1B54A32D192ED03UL);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A value in [0, <paramref name="maxExclusive"/>), by multiply-high rather than modulo (no bias worth noting, no division).</summary>
    public int Next(int maxExclusive) => (int)Math.BigMul(NextUInt64(), (ulong)maxExclusive, out _);

    /// <summary>A value in [<paramref name="min"/>, <paramref name="maxInclusive"/>].</summary>
    public long Between(long min, long maxInclusive) => min + (long)Math.BigMul(NextUInt64(), (ulong)(maxInclusive - min + 1), out _);

    /// <summary>True with probability <paramref name="numerator"/> / <paramref name="denominator"/>.</summary>
    public bool Chance(int numerator, int denominator) => Next(denominator) < numerator;

    /// <summary>Fills <paramref name="destination"/> with characters of <paramref name="alphabet"/>.</summary>
    public void Fill(Span<char> destination, string alphabet)
    {
        ulong bits = 0;
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = alphabet[NextIndex(ref bits, i, alphabet.Length)];
        }
    }

    /// <summary>Fills <paramref name="destination"/> with ASCII characters of <paramref name="alphabet"/>.</summary>
    public void Fill(Span<byte> destination, string alphabet)
    {
        ulong bits = 0;
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = (byte)alphabet[NextIndex(ref bits, i, alphabet.Length)];
        }
    }

    /// <summary><paramref name="prefix"/> followed by <paramref name="length"/> alphanumerics, e.g. <c>v_</c> + 24.</summary>
    public string Id(string prefix, int length)
        => string.Create(prefix.Length + length, (this, prefix), static (span, state) =>
        {
            state.prefix.CopyTo(span);
            state.Item1.Fill(span[state.prefix.Length..], Alphanumeric);
        });

    /// <summary>
    /// Draws an index from the fraction held in <paramref name="bits"/>: each multiply-high takes about 6 bits, so one
    /// 64-bit draw serves 5 characters (ids are a large share of generation time).
    /// </summary>
    private int NextIndex(ref ulong bits, int position, int count)
    {
        if (position % 5 == 0)
        {
            bits = NextUInt64();
        }

        return (int)Math.BigMul(bits, (ulong)count, out bits);
    }
}
