using System.Globalization;

namespace ScraperSky.SampleHost.Hosting;

/// <summary>
/// The sample host's own command-line switches. Everything else on the command line (<c>--urls</c>,
/// <c>--Crawler:Timeout=00:00:05</c>…) is ordinary ASP.NET Core configuration.
/// </summary>
public sealed class SampleHostOptions
{
    /// <summary>Gets or sets whether to seed the fixture web's demo domains and places (the default without <see cref="Domains"/>).</summary>
    public bool Demo { get; set; }

    /// <summary>Gets or sets whether to exit (0) once every queue is drained, after printing the summary.</summary>
    public bool ExitWhenDrained { get; set; }

    /// <summary>
    /// Gets or sets whether to run as a long-lived service (<c>--service</c>): seed no demo rows, no fixture web, the
    /// production timings, no drain summary; serve the API and run the workflows until stopped.
    /// </summary>
    public bool Service { get; set; }

    /// <summary>Gets or sets real domains to queue instead of (or with <c>--demo</c>, besides) the demo's.</summary>
    public IReadOnlyList<string> Domains { get; set; } = [];

    /// <summary>Gets or sets how long to wait for the queues to drain before giving up. Default 5 minutes.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets the arguments left for the web host's configuration.</summary>
    public string[] HostArguments { get; set; } = [];

    /// <summary>Gets whether the demo's synthetic domains and places are seeded.</summary>
    public bool SeedsDemo => !Service && (Demo || Domains.Count == 0);

    /// <summary>Reads the sample's switches from <paramref name="args"/>.</summary>
    /// <exception cref="ArgumentException">A switch lacks its value or has a malformed one.</exception>
    public static SampleHostOptions Parse(string[] args)
    {
        var options = new SampleHostOptions();
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var (name, inline) = args[i].Split('=', 2) is [var n, var v] ? (n, v) : (args[i], null);
            string Value() => inline ?? (i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value"));
            switch (name)
            {
                case "--demo":
                    options.Demo = true;
                    break;
                case "--service":
                    options.Service = true;
                    break;
                case "--exit-when-drained":
                    options.ExitWhenDrained = true;
                    break;
                case "--domains":
                    options.Domains = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    break;
                case "--drain-timeout":
                    var text = Value();
                    options.DrainTimeout = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
                        ? TimeSpan.FromSeconds(seconds)
                        : throw new ArgumentException($"--drain-timeout takes a number of seconds, not '{text}'");
                    break;
                default:
                    rest.Add(args[i]);
                    break;
            }
        }

        if (options.Service && (options.Demo || options.ExitWhenDrained))
        {
            throw new ArgumentException("--service runs until stopped and seeds no demo: it does not combine with --demo or --exit-when-drained");
        }

        options.HostArguments = [.. rest];
        return options;
    }
}
