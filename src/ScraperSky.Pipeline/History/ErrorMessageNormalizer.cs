using System.Text.RegularExpressions;

namespace ScraperSky.Pipeline.History;

/// <summary>
/// Folds the parts of an error message that vary from row to row, so that failures with one cause group together:
/// quoted values become <c>'…'</c> (or <c>"…"</c>), URLs <c>&lt;url&gt;</c>, UUIDs, hex values and numbers <c>#</c>,
/// white space one space; the result is cut to <see cref="MaxLength"/> characters. Pure, and deterministic.
/// </summary>
/// <remarks>
/// <c>timeout after 30 s fetching 'https://a.test/x'</c> becomes <c>timeout after # s fetching '…'</c>. Digits inside a
/// word stay (<c>http2</c>, <c>utf8</c>, <c>IPv4</c>), so do words next to numbers (<c>404 (Not Found)</c> and
/// <c>500 (Internal Server Error)</c> stay apart); a unit written onto a number keeps its unit (<c>30s</c> → <c>#s</c>).
/// An apostrophe inside a word (<c>can't</c>) opens no quote.
/// </remarks>
internal static partial class ErrorMessageNormalizer
{
    /// <summary>The longest normalised message kept; longer ones are cut and end with <c>…</c>.</summary>
    public const int MaxLength = 300;

    /// <summary>Returns the message with its varying parts folded; an empty or blank message becomes <c>(no message)</c>.</summary>
    public static string Normalize(string? message)
    {
        if (string.IsNullOrWhiteSpace(message))
        {
            return "(no message)";
        }

        var text = SingleQuoted().Replace(message, "'…'");
        text = DoubleQuoted().Replace(text, "\"…\"");
        text = Url().Replace(text, "<url>");
        text = Uuid().Replace(text, "#");
        text = Hex().Replace(text, "#");
        text = Number().Replace(text, "#");
        text = WhiteSpace().Replace(text, " ").Trim();
        return text.Length <= MaxLength ? text : string.Concat(text.AsSpan(0, MaxLength - 1), "…");
    }

    // A quote opens only where no letter or digit comes before it and closes where none follows (so "can't" opens none).
    [GeneratedRegex(@"(?<![\p{L}\p{N}])'[^'\r\n]*'(?![\p{L}\p{N}])", RegexOptions.CultureInvariant)]
    private static partial Regex SingleQuoted();

    [GeneratedRegex(@"""[^""\r\n]*""", RegexOptions.CultureInvariant)]
    private static partial Regex DoubleQuoted();

    [GeneratedRegex(@"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'""<>()]+", RegexOptions.CultureInvariant)]
    private static partial Regex Url();

    [GeneratedRegex(@"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b", RegexOptions.CultureInvariant)]
    private static partial Regex Uuid();

    // 0x-prefixed values, and bare runs of 8 or more hex digits holding both a digit and a letter (keys, hashes, tokens).
    [GeneratedRegex(@"\b0[xX][0-9a-fA-F]+\b|\b(?=[0-9a-fA-F]*[0-9])(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b", RegexOptions.CultureInvariant)]
    private static partial Regex Hex();

    // Digits not inside a word: a number, with its sign and decimals; a letter may follow (a unit).
    [GeneratedRegex(@"(?<![\p{L}\p{N}_.])-?\d+(?:[.,]\d+)*", RegexOptions.CultureInvariant)]
    private static partial Regex Number();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex WhiteSpace();
}
