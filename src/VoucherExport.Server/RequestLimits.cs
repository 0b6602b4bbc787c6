namespace VoucherExport.Server;

/// <summary>
/// What one create request may ask for (<c>Limits:*</c>, bound by the options binder and checked at start); each
/// over-limit request is a 400 naming the limit.
/// </summary>
public sealed class RequestLimits
{
    /// <summary>64 KiB: the largest sensible parameters object (50 conditions, a 1,000-code list) fits many times over.</summary>
    public const int DefaultMaxBodyBytes = 64 * 1024;

    /// <summary>50: far beyond any dashboard filter, small enough that compiling and evaluating the filter stays cheap.</summary>
    public const int DefaultMaxFilterConditions = 50;

    /// <summary>1,000: a page of codes a client may paste; longer lists belong in a campaign or a generic export.</summary>
    public const int DefaultMaxInValues = 1000;

    /// <summary><c>Limits:MaxBodyBytes</c>: the largest request body accepted (at least 2, the body <c>{}</c>).</summary>
    public int MaxBodyBytes { get; set; } = DefaultMaxBodyBytes;

    /// <summary><c>Limits:MaxFilterConditions</c>: operators summed over every field of <c>parameters.filters</c> (at least 1).</summary>
    public int MaxFilterConditions { get; set; } = DefaultMaxFilterConditions;

    /// <summary><c>Limits:MaxInValues</c>: values in one <c>$in</c> / <c>$not_in</c> list (at least 1).</summary>
    public int MaxInValues { get; set; } = DefaultMaxInValues;
}
