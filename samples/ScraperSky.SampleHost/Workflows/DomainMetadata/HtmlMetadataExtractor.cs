using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace ScraperSky.SampleHost.Workflows.DomainMetadata;

/// <summary>
/// Extracts title, meta description, canonical URL, language, e-mail addresses and phone numbers from HTML. A
/// tolerant scanner rather than a DOM: home pages are often invalid HTML, and these few facts sit in predictable
/// tags. Every pattern has a match timeout, so a pathological page fails that item instead of stalling the batch.
/// </summary>
public static partial class HtmlMetadataExtractor
{
    private const int MaxHeadChars = 512 * 1024;
    private const int MaxFieldLength = 1000;
    private const int MaxContacts = 20;
    private static readonly string[] ImageSuffixes = [".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"];

    public static HomePageMetadata Extract(byte[] body, string? contentType, Uri pageUrl)
    {
        var html = Decode(body, contentType);
        var head = html.Length > MaxHeadChars ? html[..MaxHeadChars] : html;

        var title = TitleRegex().Match(head) is { Success: true } t ? Clean(t.Groups["v"].Value) : null;
        string? description = null, canonical = null, language = null;
        foreach (Match meta in TagRegex("meta").Matches(head))
        {
            var attributes = Attributes(meta.Groups["attrs"].Value);
            var name = attributes.GetValueOrDefault("name") ?? attributes.GetValueOrDefault("property");
            if (description is null && (string.Equals(name, "description", StringComparison.OrdinalIgnoreCase) || string.Equals(name, "og:description", StringComparison.OrdinalIgnoreCase)))
            {
                description = Clean(attributes.GetValueOrDefault("content"));
            }
        }

        foreach (Match link in TagRegex("link").Matches(head))
        {
            var attributes = Attributes(link.Groups["attrs"].Value);
            if (attributes.GetValueOrDefault("rel")?.Split(' ').Contains("canonical", StringComparer.OrdinalIgnoreCase) == true
                && Uri.TryCreate(pageUrl, attributes.GetValueOrDefault("href"), out var href))
            {
                canonical = href.AbsoluteUri;
                break;
            }
        }

        if (TagRegex("html").Match(head) is { Success: true } root)
        {
            language = Clean(Attributes(root.Groups["attrs"].Value).GetValueOrDefault("lang"));
        }

        var text = WebUtility.HtmlDecode(MarkupRegex().Replace(ScriptRegex().Replace(html, " "), " "));
        return new HomePageMetadata(title, description, canonical, language, Emails(html, text), Phones(html, text));
    }

    private static List<string> Emails(string html, string text)
    {
        var found = new List<string>();
        foreach (var candidate in MailtoRegex().Matches(html).Select(m => Unescape(m.Groups["v"].Value))
                     .Concat(EmailRegex().Matches(text).Select(m => m.Value)))
        {
            var email = candidate.Trim().TrimEnd('.').ToLowerInvariant();
            if (EmailRegex().IsMatch(email) && !ImageSuffixes.Any(s => email.EndsWith(s, StringComparison.Ordinal)) && !found.Contains(email) && found.Count < MaxContacts)
            {
                found.Add(email);
            }
        }

        return found;
    }

    private static List<string> Phones(string html, string text)
    {
        // Visible text first, so a number keeps the form the site shows; tel: links add numbers shown nowhere else.
        var found = new List<(string Display, string Digits)>();
        foreach (var candidate in PhoneRegex().Matches(text).Select(m => m.Value)
                     .Concat(TelRegex().Matches(html).Select(m => Unescape(m.Groups["v"].Value))))
        {
            var display = WhitespaceRegex().Replace(candidate.Trim(), " ");
            var digits = new string(display.Where(char.IsAsciiDigit).ToArray());
            if (digits.Length is >= 10 and <= 15 && !DateRegex().IsMatch(display) && !found.Exists(f => f.Digits == digits) && found.Count < MaxContacts)
            {
                found.Add((display, digits));
            }
        }

        return found.ConvertAll(f => f.Display);
    }

    // Not WebUtility.UrlDecode: that turns the '+' of an international number into a space.
    private static string Unescape(string value)
    {
        try
        {
            return Uri.UnescapeDataString(value);
        }
        catch (UriFormatException)
        {
            return value;
        }
    }

    private static Dictionary<string, string> Attributes(string text)
    {
        var attributes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (Match a in AttributeRegex().Matches(text))
        {
            attributes.TryAdd(a.Groups["name"].Value, WebUtility.HtmlDecode(a.Groups["v"].Value));
        }

        return attributes;
    }

    private static string? Clean(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var cleaned = WhitespaceRegex().Replace(WebUtility.HtmlDecode(value), " ").Trim();
        return cleaned.Length == 0 ? null : cleaned.Length > MaxFieldLength ? cleaned[..MaxFieldLength] : cleaned;
    }

    private static string Decode(byte[] body, string? contentType)
    {
        var charset = contentType?.Split(';').Select(p => p.Trim()).FirstOrDefault(p => p.StartsWith("charset=", StringComparison.OrdinalIgnoreCase))?["charset=".Length..].Trim('"');
        try
        {
            return (charset is null ? Encoding.UTF8 : Encoding.GetEncoding(charset)).GetString(body);
        }
        catch (ArgumentException)
        {
            return Encoding.UTF8.GetString(body);
        }
    }

    private static Regex TagRegex(string tag) => tag switch
    {
        "meta" => MetaRegex(),
        "link" => LinkRegex(),
        _ => HtmlRegex(),
    };

    [GeneratedRegex(@"<title\b[^>]*>(?<v>.*?)</title\s*>", RegexOptions.IgnoreCase | RegexOptions.Singleline, 1000)]
    private static partial Regex TitleRegex();

    [GeneratedRegex(@"<meta\b(?<attrs>[^>]*)>", RegexOptions.IgnoreCase, 1000)]
    private static partial Regex MetaRegex();

    [GeneratedRegex(@"<link\b(?<attrs>[^>]*)>", RegexOptions.IgnoreCase, 1000)]
    private static partial Regex LinkRegex();

    [GeneratedRegex(@"<html\b(?<attrs>[^>]*)>", RegexOptions.IgnoreCase, 1000)]
    private static partial Regex HtmlRegex();

    [GeneratedRegex(@"(?<name>[a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*(?:""(?<v>[^""]*)""|'(?<v>[^']*)'|(?<v>[^\s""'>]+))", RegexOptions.None, 1000)]
    private static partial Regex AttributeRegex();

    [GeneratedRegex(@"<(script|style)\b.*?</\1\s*>", RegexOptions.IgnoreCase | RegexOptions.Singleline, 2000)]
    private static partial Regex ScriptRegex();

    [GeneratedRegex(@"<[^>]*>", RegexOptions.None, 2000)]
    private static partial Regex MarkupRegex();

    [GeneratedRegex(@"href\s*=\s*[""']?mailto:(?<v>[^""'?>\s]+)", RegexOptions.IgnoreCase, 1000)]
    private static partial Regex MailtoRegex();

    [GeneratedRegex(@"href\s*=\s*[""']?tel:(?<v>[^""'>\s]+)", RegexOptions.IgnoreCase, 1000)]
    private static partial Regex TelRegex();

    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}", RegexOptions.None, 1000)]
    private static partial Regex EmailRegex();

    [GeneratedRegex(@"\+?\(?\d[\d\s().-]{7,}\d", RegexOptions.None, 1000)]
    private static partial Regex PhoneRegex();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}")]
    private static partial Regex DateRegex();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespaceRegex();
}
