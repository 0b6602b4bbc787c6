using System.Security.Cryptography;

namespace VoucherExport.Registry;

/// <summary>Export ids: <c>exp_</c> + 24 characters of <c>[A-Za-z0-9]</c> from a cryptographic RNG.</summary>
public static class ExportIds
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>A new export id.</summary>
    public static string NewId() => "exp_" + RandomNumberGenerator.GetString(Alphabet, 24);

    /// <summary>Whether <paramref name="id"/> has the shape of an export id (safe to use as a folder name).</summary>
    public static bool IsWellFormed(string? id)
    {
        if (id is null || id.Length != 28 || !id.StartsWith("exp_", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (char c in id.AsSpan(4))
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
