using System.Collections.Immutable;

namespace VoucherExport.Parameters;

/// <summary>
/// The <c>created_at</c> conditions of one clause as one inclusive range of UTC ticks: every date operator is a range, so a
/// clause is their intersection. Sources that push filters down (SQL) use this so they keep exactly the rows the engine would.
/// </summary>
/// <param name="FromTicks">The first tick kept (inclusive).</param>
/// <param name="ToTicks">The last tick kept (inclusive).</param>
public readonly record struct CreatedAtRange(long FromTicks, long ToTicks)
{
    private const long FirstTick = 0;
    private static readonly long s_lastTick = DateTime.MaxValue.Ticks;

    /// <summary>No instant matches.</summary>
    public bool IsEmpty => FromTicks > ToTicks;

    /// <summary>The range starts after the first representable instant.</summary>
    public bool HasLowerBound => FromTicks > FirstTick;

    /// <summary>The range ends before the last representable instant.</summary>
    public bool HasUpperBound => ToTicks < s_lastTick;

    /// <summary>
    /// The range of <paramref name="conditions"/> (all on <c>created_at</c>), relative ones measured from <paramref name="now"/>
    /// as the remarks of <see cref="FilterCompiler"/> say.
    /// </summary>
    public static CreatedAtRange For(ImmutableArray<FilterCondition> conditions, DateTimeOffset now)
    {
        long low = FirstTick;
        long high = s_lastTick;
        foreach (FilterCondition condition in conditions)
        {
            var (from, to) = Of(condition, now.UtcTicks);
            low = Math.Max(low, from);
            high = Math.Min(high, to);
        }

        return new CreatedAtRange(low, high);
    }

    private static (long From, long To) Of(FilterCondition condition, long now)
    {
        if (condition.Operator == FilterOperator.HasValue)
        {
            return (FirstTick, s_lastTick);
        }

        if (condition.Operator == FilterOperator.IsUnknown)
        {
            return (s_lastTick, FirstTick);
        }

        var value = condition.Values[0];
        long at = value.Date.UtcTicks;
        // Day counts are capped at FilterOperators.MaxDays, so these products and sums fit in a long.
        long days = value.Number * TimeSpan.TicksPerDay;
        return condition.Operator switch
        {
            FilterOperator.After => (at + 1, s_lastTick),
            FilterOperator.Before => (FirstTick, at - 1),
            FilterOperator.MoreThanEqual => (at, s_lastTick),
            FilterOperator.LessThanEqual => (FirstTick, at),
            FilterOperator.MoreThan or FilterOperator.MoreThanAgo => (FirstTick, now - days - 1),
            FilterOperator.LessThan or FilterOperator.LessThanAgo => (now - days + 1, now),
            FilterOperator.MoreThanFuture => (now + days + 1, s_lastTick),
            FilterOperator.LessThanFuture => (now, now + days - 1),
            FilterOperator.IsDaysAgo => WholeDay(now - days),
            FilterOperator.IsDaysInFuture => WholeDay(now + days),
            _ => throw new ArgumentException($"{FilterOperators.Name(condition.Operator)} does not apply to created_at", nameof(condition)),
        };
    }

    private static (long From, long To) WholeDay(long ticks)
    {
        long start = Math.DivRem(ticks, TimeSpan.TicksPerDay, out long rest) * TimeSpan.TicksPerDay;
        if (rest < 0)
        {
            // Before year 1 the truncating division rounds up; step back to the day that really holds the tick.
            start -= TimeSpan.TicksPerDay;
        }

        return (start, start + TimeSpan.TicksPerDay - 1);
    }
}
