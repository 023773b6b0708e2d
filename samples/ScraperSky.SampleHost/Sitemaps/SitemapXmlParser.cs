using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;

namespace ScraperSky.SampleHost.Sitemaps;

/// <summary>
/// Parses sitemap XML (<c>urlset</c> and <c>sitemapindex</c>) with a forward-only <see cref="XmlReader"/>: no DTDs,
/// no external entities, no resolver, and a cap on the number of entries, so a hostile file costs bounded memory.
/// Elements are matched by local name, so files with or without the sitemaps namespace and with extensions
/// (images, news) are read alike.
/// </summary>
public static partial class SitemapXmlParser
{
    private static readonly string[] ChangeFrequencies = ["always", "hourly", "daily", "weekly", "monthly", "yearly", "never"];

    /// <summary>Parses <paramref name="xml"/> fetched from <paramref name="source"/>.</summary>
    /// <exception cref="SitemapFormatException">Malformed XML, a root other than urlset/sitemapindex, or too many entries.</exception>
    public static SitemapDocument Parse(byte[] xml, Uri source, int maxEntries)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            IgnoreWhitespace = true,
            MaxCharactersFromEntities = 1024,
        };

        try
        {
            using var reader = XmlReader.Create(new MemoryStream(xml), settings);
            reader.MoveToContent();
            var isIndex = reader.LocalName switch
            {
                "urlset" => false,
                "sitemapindex" => true,
                _ => throw new SitemapFormatException($"not a sitemap: the root element is <{reader.Name}>, expected <urlset> or <sitemapindex> ({source})"),
            };
            var entryName = isIndex ? "sitemap" : "url";
            var entries = new List<SitemapEntry>();
            var skipped = 0;
            if (reader.IsEmptyElement)
            {
                return new SitemapDocument(isIndex, entries, 0);
            }

            reader.Read();
            while (!reader.EOF)
            {
                if (reader.NodeType == XmlNodeType.Element && reader.Depth == 1 && reader.LocalName == entryName)
                {
                    if (entries.Count + skipped >= maxEntries)
                    {
                        throw new SitemapFormatException(isIndex
                            ? $"sitemap index lists more than {maxEntries} sitemaps ({source})"
                            : $"sitemap lists more than {maxEntries} URLs ({source})");
                    }

                    if (ReadEntry(reader) is { } entry)
                    {
                        entries.Add(entry);
                    }
                    else
                    {
                        skipped++;
                    }

                    continue;
                }

                reader.Read();
            }

            return new SitemapDocument(isIndex, entries, skipped);
        }
        catch (XmlException ex) when (DoctypeRegex().Match(Encoding.UTF8.GetString(xml, 0, Math.Min(xml.Length, 2048))) is { Success: true } doctype)
        {
            // DTDs are prohibited (no entity expansion, no external entities); an HTML page is the usual culprit.
            throw new SitemapFormatException($"not a sitemap: it declares <!DOCTYPE {doctype.Groups["name"].Value}>, and sitemaps have no DTD ({source})", ex);
        }
        catch (XmlException ex)
        {
            var where = ex.LineNumber > 0 ? $" at line {ex.LineNumber}" : string.Empty;
            throw new SitemapFormatException($"malformed XML{where}: {PositionSuffix().Replace(ex.Message, string.Empty)} ({source})", ex);
        }
    }

    /// <summary>Reads one entry element and leaves the reader after its end tag.</summary>
    private static SitemapEntry? ReadEntry(XmlReader reader)
    {
        if (reader.IsEmptyElement)
        {
            reader.Read();
            return null;
        }

        string? location = null, lastModified = null, changeFrequency = null, priority = null;
        reader.Read();
        while (!(reader.NodeType == XmlNodeType.EndElement && reader.Depth == 1) && !reader.EOF)
        {
            if (reader.NodeType != XmlNodeType.Element || reader.Depth != 2)
            {
                reader.Read();
                continue;
            }

            switch (reader.LocalName)
            {
                case "loc":
                    location = reader.ReadElementContentAsString().Trim();
                    break;
                case "lastmod":
                    lastModified = reader.ReadElementContentAsString().Trim();
                    break;
                case "changefreq":
                    changeFrequency = reader.ReadElementContentAsString().Trim().ToLowerInvariant();
                    break;
                case "priority":
                    priority = reader.ReadElementContentAsString().Trim();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Read();
        if (!Uri.TryCreate(location, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            return null;
        }

        return new SitemapEntry(
            url,
            DateTimeOffset.TryParse(lastModified, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var modified) ? modified.ToUniversalTime() : null,
            Array.IndexOf(ChangeFrequencies, changeFrequency) >= 0 ? changeFrequency : null,
            decimal.TryParse(priority, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var p) && p is >= 0m and <= 1m ? Math.Round(p, 1) : null);
    }

    [GeneratedRegex(@"<!DOCTYPE\s+(?<name>[^\s\[>]+)", RegexOptions.IgnoreCase)]
    private static partial Regex DoctypeRegex();

    // XmlException messages end with " Line 3, position 28."; the line is already in our prefix.
    [GeneratedRegex(@"\s*Line \d+, position \d+\.$")]
    private static partial Regex PositionSuffix();
}
