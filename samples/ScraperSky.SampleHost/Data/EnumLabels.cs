using System.Collections.Frozen;
using System.Reflection;
using NpgsqlTypes;

namespace ScraperSky.SampleHost.Data;

/// <summary>
/// The database labels of a status enum (the member name, or its <see cref="PgNameAttribute"/>), so the API, the
/// summary and raw SQL speak the same words as the PostgreSQL enum type.
/// </summary>
public static class EnumLabels<TEnum>
    where TEnum : struct, Enum
{
    private static readonly FrozenDictionary<TEnum, string> Labels = Enum.GetValues<TEnum>().ToFrozenDictionary(
        v => v,
        v => typeof(TEnum).GetField(v.ToString())!.GetCustomAttribute<PgNameAttribute>()?.PgName ?? v.ToString());

    private static readonly FrozenDictionary<string, TEnum> Values = Labels.ToFrozenDictionary(p => p.Value, p => p.Key, StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets every label, in declaration order.</summary>
    public static IReadOnlyList<string> All { get; } = Enum.GetValues<TEnum>().Select(v => Labels[v]).ToArray();

    /// <summary>Returns the database label of <paramref name="value"/>.</summary>
    public static string Label(TEnum value) => Labels[value];

    /// <summary>Parses a label (case-insensitive); numbers and unknown words are refused.</summary>
    public static bool TryParse(string? text, out TEnum value) => Values.TryGetValue(text?.Trim() ?? string.Empty, out value);

    /// <summary>The message an API returns for a label that is not one of <see cref="All"/>.</summary>
    public static string Invalid(string parameter, string? text)
        => $"{parameter} '{text}' is not one of: {string.Join(", ", All)}";
}
