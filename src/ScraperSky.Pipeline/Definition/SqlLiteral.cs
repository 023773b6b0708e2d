using System.Globalization;
using System.Reflection;
using Microsoft.EntityFrameworkCore.Storage;
using NpgsqlTypes;

namespace ScraperSky.Pipeline.Definition;

/// <summary>
/// The one place where a value becomes SQL text: status values and filter constants of native enums. Text is quoted
/// with its quotes doubled, and in the escape-string form when it holds a backslash, so that a label such as
/// <c>Won't</c> or <c>C:\queue</c> means the same whatever <c>standard_conforming_strings</c> says.
/// </summary>
internal static class SqlLiteral
{
    /// <summary>Quotes <paramref name="text"/> as a PostgreSQL string constant; throws <see cref="ArgumentException"/> for a NUL character, which PostgreSQL text cannot hold.</summary>
    public static string Text(string text)
    {
        if (text.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("PostgreSQL text cannot contain a NUL character.", nameof(text));
        }

        var quoted = text.Replace("'", "''", StringComparison.Ordinal);
        return text.Contains('\\', StringComparison.Ordinal)
            ? "E'" + quoted.Replace("\\", "\\\\", StringComparison.Ordinal) + "'"
            : "'" + quoted + "'";
    }

    /// <summary>The literal of <paramref name="value"/> (a model value of a property with <paramref name="mapping"/>), as the column stores it.</summary>
    public static string For(RelationalTypeMapping mapping, object value)
    {
        var clr = Nullable.GetUnderlyingType(mapping.ClrType) ?? mapping.ClrType;
        if (mapping.Converter is null && clr.IsEnum)
        {
            return Text(EnumLabel(mapping, value)) + "::" + mapping.StoreType;
        }

        var provider = mapping.Converter?.ConvertToProvider(value) ?? value;
        return provider switch
        {
            string s => Text(s),
            char c => Text(c.ToString()),
            sbyte or byte or short or ushort or int or uint or long or ulong => Convert.ToString(provider, CultureInfo.InvariantCulture)!,
            bool b => b ? "TRUE" : "FALSE",
            // Numbers, dates and the like: the provider's literal has no user text in it.
            _ => mapping.GenerateSqlLiteral(value),
        };
    }

    /// <summary>The text of <paramref name="value"/> as PostgreSQL shows the stored value (<c>status::text</c>): an enum's label, a number's digits.</summary>
    public static string StoredText(RelationalTypeMapping mapping, object value)
    {
        var clr = Nullable.GetUnderlyingType(mapping.ClrType) ?? mapping.ClrType;
        if (mapping.Converter is null && clr.IsEnum)
        {
            return EnumLabel(mapping, value);
        }

        var provider = mapping.Converter?.ConvertToProvider(value) ?? value;
        return provider switch
        {
            bool b => b ? "true" : "false",
            IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
            _ => provider.ToString() ?? string.Empty,
        };
    }

    /// <summary>
    /// The label of a native enum value: its <see cref="PgNameAttribute"/> when it has one (any text), otherwise the
    /// provider's translation of the member name, which is made of identifier characters only.
    /// </summary>
    private static string EnumLabel(RelationalTypeMapping mapping, object value)
    {
        var type = Nullable.GetUnderlyingType(mapping.ClrType) ?? mapping.ClrType;
        var name = Enum.GetName(type, value);
        if (name is not null && type.GetField(name, BindingFlags.Public | BindingFlags.Static)?.GetCustomAttribute<PgNameAttribute>() is { } pgName)
        {
            return pgName.PgName;
        }

        // The provider writes '<label>'::<type>; a translated member name needs no escaping, so its text is the label.
        var literal = mapping.GenerateSqlLiteral(value);
        var suffix = "'::" + mapping.StoreType;
        return literal.StartsWith('\'') && literal.EndsWith(suffix, StringComparison.Ordinal)
            ? literal[1..^suffix.Length]
            : throw new NotSupportedException($"the enum literal '{literal}' has an unexpected form");
    }
}
