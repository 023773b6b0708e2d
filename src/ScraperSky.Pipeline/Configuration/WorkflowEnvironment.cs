using System.Text;

namespace ScraperSky.Pipeline.Configuration;

/// <summary>
/// The names of the workflows' environment variables, <c>{PREFIX}_SCHEDULER_{PARAMETER}</c>, and the neutral
/// configuration section they are loaded into: one sub-section per prefix, keyed by setting path
/// (<c>DOMAIN_SCHEDULER_INTERVAL_SECONDS=30</c> → <c>ScraperSky:Environment:DOMAIN:Schedule:Interval = 00:00:30</c>).
/// </summary>
internal static class WorkflowEnvironment
{
    public const string Marker = "_SCHEDULER_";

    /// <summary>The configuration section holding one sub-section per environment prefix.</summary>
    public const string SectionPath = "ScraperSky:Environment";

    public static string Variable(string prefix, string suffix) => prefix + Marker + suffix;

    /// <summary>
    /// Splits a variable at its last <c>_SCHEDULER_</c>: no setting's suffix contains the marker, while a prefix may
    /// (a workflow named <c>DomainScheduler</c> reads <c>DOMAIN_SCHEDULER_SCHEDULER_BATCH_SIZE</c>).
    /// </summary>
    public static bool TrySplit(string variable, out string prefix, out string suffix)
    {
        var marker = variable.LastIndexOf(Marker, StringComparison.Ordinal);
        if (marker <= 0)
        {
            prefix = suffix = string.Empty;
            return false;
        }

        prefix = variable[..marker];
        suffix = variable[(marker + Marker.Length)..];
        return true;
    }

    /// <summary>Derives a prefix from a workflow name, in upper snake case: <c>process_pending_domains</c> → <c>PROCESS_PENDING_DOMAINS</c>, <c>DomainScheduler</c> → <c>DOMAIN_SCHEDULER</c>.</summary>
    /// <returns>The prefix, or <see langword="null"/> when the name has no letter or digit.</returns>
    public static string? PrefixFromName(string name)
    {
        var prefix = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (!char.IsAsciiLetterOrDigit(c))
            {
                Separate(prefix);
                continue;
            }

            // A word boundary in camel or Pascal case: "domainScheduler", "HTTPServer" → DOMAIN_SCHEDULER, HTTP_SERVER.
            if (char.IsAsciiLetterUpper(c) && i > 0
                && (char.IsAsciiLetterLower(name[i - 1]) || char.IsAsciiDigit(name[i - 1])
                    || (char.IsAsciiLetterUpper(name[i - 1]) && i + 1 < name.Length && char.IsAsciiLetterLower(name[i + 1]))))
            {
                Separate(prefix);
            }

            prefix.Append(char.ToUpperInvariant(c));
        }

        var result = prefix.ToString().Trim('_');
        return result.Length == 0 ? null : result;
    }

    /// <summary>Whether a prefix can be part of a portable environment variable name: letters, digits and underscores, not starting with a digit.</summary>
    public static bool IsValidPrefix(string prefix)
        => prefix.Length > 0 && !char.IsAsciiDigit(prefix[0]) && prefix.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>Whether a prefix is one a workflow can have: valid and upper case (<c>EnvironmentPrefix</c> upper-cases what it is given).</summary>
    public static bool IsWorkflowPrefix(string prefix) => IsValidPrefix(prefix) && !prefix.Any(char.IsAsciiLetterLower);

    private static void Separate(StringBuilder prefix)
    {
        if (prefix.Length > 0 && prefix[^1] != '_')
        {
            prefix.Append('_');
        }
    }
}
