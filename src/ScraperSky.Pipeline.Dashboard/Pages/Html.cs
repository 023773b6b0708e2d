using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace ScraperSky.Pipeline.Dashboard.Pages;

/// <summary>Encoding helpers for the server-rendered pages: every value from data goes through <see cref="E"/>.</summary>
internal static class Html
{
    /// <summary>Encodes text for an element or a quoted attribute.</summary>
    public static string E(string? text) => HtmlEncoder.Default.Encode(text ?? string.Empty);

    /// <summary>Encodes a query-string value.</summary>
    public static string Q(string? value) => Uri.EscapeDataString(value ?? string.Empty);

    /// <summary>Appends formatted, already safe HTML.</summary>
    public static StringBuilder Add(this StringBuilder html, string safe) => html.Append(safe);

    /// <summary>A number with thousands separators.</summary>
    public static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>An element that shows a live value: the sampler's text now, the event stream's later.</summary>
    public static string Shown(string key, IReadOnlyDictionary<string, string> values, string tag = "span", string? cssClass = null)
        => $"<{tag}{(cssClass is null ? "" : $" class=\"{cssClass}\"")} data-live=\"{E(key)}\">{E(values.GetValueOrDefault(key, ""))}</{tag}>";

    /// <summary>
    /// The wake-up badge of a workflow, shown while its listener is reconnecting or it can only poll: the text says
    /// which, the title why (both live).
    /// </summary>
    public static string WakeUpBadge(string workflow, IReadOnlyDictionary<string, bool> flags, IReadOnlyDictionary<string, string> values)
    {
        var key = Live.LiveKeys.Workflow(workflow, "wakeup");
        var reason = Live.LiveKeys.Workflow(workflow, "wakeup-reason");
        return $"<span class=\"badge warn\" data-live-flag=\"{E(key)}\" data-live-title=\"{E(reason)}\" title=\"{E(values.GetValueOrDefault(reason, ""))}\"{(flags.GetValueOrDefault(key) ? "" : " hidden")}>{Shown(key, values)}</span>";
    }

    /// <summary>A badge shown while a live flag is true.</summary>
    public static string Badge(string key, IReadOnlyDictionary<string, bool> flags, string text, string kind, string? title = null)
        => $"<span class=\"badge {kind}\" data-live-flag=\"{E(key)}\"{(title is null ? "" : $" title=\"{E(title)}\"")}{(flags.GetValueOrDefault(key) ? "" : " hidden")}>{text}</span>";
}
