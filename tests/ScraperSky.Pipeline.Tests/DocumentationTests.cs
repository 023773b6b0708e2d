using System.Text.RegularExpressions;

namespace ScraperSky.Pipeline.Tests;

/// <summary>
/// Docs that cannot rot (issue 15, point 3): every link of the repository's Markdown — relative ones, and the package
/// README's absolute links into this repository — reaches a file and a heading that exist, and the table of log events
/// lists exactly the events the library logs. (The package README's code blocks are compiled and run by the package
/// smoke test of .ci/run.)
/// </summary>
public sealed partial class DocumentationTests
{
    private const string RepositoryUrl = "https://github.com/scrapersky/scrapersky-pipeline/";

    private static readonly string Root = FindRoot();

    public static TheoryData<string> MarkdownFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Root, "*.md", SearchOption.AllDirectories)
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                                 && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                                 && !f.Contains($"{Path.DirectorySeparatorChar}.git{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                                 && !f.Contains($"{Path.DirectorySeparatorChar}artifacts{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                     .Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(Root, file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(MarkdownFiles))]
    public void Links_ReachFilesAndHeadingsThatExist(string file)
    {
        var path = Path.Combine(Root, file);
        File.ReadAllText(path).Should().MatchRegex(@"(?m)^#{1,2} \S", $"{file} must have a heading (an empty page is a broken one)");
        var broken = new List<string>();
        foreach (Match link in LinkPattern().Matches(WithoutCodeBlocks(File.ReadAllText(path))))
        {
            var target = link.Groups["target"].Value.Trim();
            string local;
            if (target.StartsWith(RepositoryUrl, StringComparison.Ordinal))
            {
                // blob/main/<path> or tree/main/<path>: the package README's links into this repository.
                var rest = target[RepositoryUrl.Length..];
                var parts = rest.Split('/', 3);
                if (parts.Length < 3 || parts[0] is not ("blob" or "tree") || parts[1] != "main")
                {
                    broken.Add(target + " (not a blob/main or tree/main link)");
                    continue;
                }

                local = Path.Combine(Root, parts[2]);
            }
            else if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
            {
                continue;
            }
            else if (target.StartsWith('#'))
            {
                local = path + target;
            }
            else
            {
                local = Path.Combine(Path.GetDirectoryName(path)!, target);
            }

            var hash = local.IndexOf('#', StringComparison.Ordinal);
            var anchor = hash < 0 ? null : local[(hash + 1)..];
            var fileOnly = Path.GetFullPath(hash < 0 ? local : local[..hash]);
            if (!File.Exists(fileOnly) && !Directory.Exists(fileOnly))
            {
                broken.Add(target + " (no such file)");
            }
            else if (anchor is not null && File.Exists(fileOnly) && !Anchors(fileOnly).Contains(anchor))
            {
                broken.Add(target + " (no such heading)");
            }
        }

        broken.Should().BeEmpty($"every link of {file} must reach something that exists");
    }

    [Fact]
    public void EventTable_ListsExactlyTheEventsTheLibraryLogs()
    {
        var log = File.ReadAllText(Path.Combine(Root, "src/ScraperSky.Pipeline/Diagnostics/Log.cs"));
        var logged = EventPattern().Matches(log).Select(m => (int.Parse(m.Groups["id"].Value, System.Globalization.CultureInfo.InvariantCulture), m.Groups["name"].Value)).Order().ToList();
        var table = File.ReadAllText(Path.Combine(Root, "docs/events.md"));
        var documented = RowPattern().Matches(table).Select(m => (int.Parse(m.Groups["id"].Value, System.Globalization.CultureInfo.InvariantCulture), m.Groups["name"].Value)).Order().ToList();

        logged.Should().NotBeEmpty();
        documented.Should().Equal(logged, "docs/events.md lists every log event with its id and name");
    }

    private static HashSet<string> Anchors(string markdownFile)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in WithoutCodeBlocks(File.ReadAllText(markdownFile)).Split('\n'))
        {
            if (!line.StartsWith('#'))
            {
                continue;
            }

            // GitHub's heading anchors: lower case, punctuation other than '-' and '_' removed, spaces as '-'.
            var text = line.TrimStart('#').Trim().ToLowerInvariant();
            var slug = new string(text.Where(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '_').ToArray()).Replace(' ', '-');
            var unique = slug;
            for (var n = 1; !anchors.Add(unique); n++)
            {
                unique = $"{slug}-{n}";
            }
        }

        return anchors;
    }

    private static string WithoutCodeBlocks(string markdown) => CodeBlockPattern().Replace(InlineCodePattern().Replace(markdown, "``"), string.Empty);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ScraperSky.Pipeline.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (ScraperSky.Pipeline.sln) was not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"(?<!!)\[[^\]]*\]\((?<target>[^)\s]+)\)")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"^```.*?^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CodeBlockPattern();

    [GeneratedRegex(@"`[^`\n]+`")]
    private static partial Regex InlineCodePattern();

    [GeneratedRegex(@"\[LoggerMessage\((?<id>\d+),[^\]]*\]\s*public static partial void (?<name>\w+)")]
    private static partial Regex EventPattern();

    [GeneratedRegex(@"^\| (?<id>\d+) \| \w+ \| `(?<name>\w+)` \|", RegexOptions.Multiline)]
    private static partial Regex RowPattern();
}
