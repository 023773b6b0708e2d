using System.Text;

namespace ScraperSky.Pipeline.Configuration;

/// <summary>A workflow's environment prefix: its variables are <c>{Prefix}_SCHEDULER_{PARAMETER}</c> (seed 000).</summary>
internal sealed record WorkflowEnvironment(string Workflow, string Prefix)
{
    public const string Marker = "_SCHEDULER_";

    public string Variable(string suffix) => Prefix + Marker + suffix;

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

    private static void Separate(StringBuilder prefix)
    {
        if (prefix.Length > 0 && prefix[^1] != '_')
        {
            prefix.Append('_');
        }
    }
}
