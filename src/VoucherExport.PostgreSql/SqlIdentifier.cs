using System.Buffers;

namespace VoucherExport.PostgreSql;

/// <summary>
/// Schema and table names that go into SQL text. They are never values, so they cannot be parameters; instead only a
/// plain lowercase identifier is accepted, and it is always written quoted.
/// </summary>
internal static class SqlIdentifier
{
    private static readonly SearchValues<char> s_allowed = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789_");

    /// <summary>PostgreSQL truncates identifiers past 63 bytes; index names add up to 27 characters to a table name.</summary>
    public const int MaxLength = 36;

    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="option"/> unless <paramref name="name"/> is plain.</summary>
    public static string Validate(string? name, string option)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength || name.AsSpan().ContainsAnyExcept(s_allowed)
            || char.IsAsciiDigit(name[0]))
        {
            throw new ArgumentException(
                $"{option} must be 1 to {MaxLength} characters of a-z, 0-9 and _, not starting with a digit; got '{name}'", option);
        }

        return name;
    }

    /// <summary>The identifier quoted for SQL text.</summary>
    public static string Quote(string validated) => $"\"{validated}\"";
}
