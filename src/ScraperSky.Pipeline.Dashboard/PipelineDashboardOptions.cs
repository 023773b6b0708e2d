namespace ScraperSky.Pipeline.Dashboard;

/// <summary>Settings of the pipeline dashboard, set with <c>services.AddPipelineDashboard(o => …)</c>.</summary>
public sealed class PipelineDashboardOptions
{
    /// <summary>The default of <see cref="Title"/>.</summary>
    public const string DefaultTitle = "Pipeline";

    /// <summary>The default of <see cref="SampleInterval"/>: two seconds.</summary>
    public static readonly TimeSpan DefaultSampleInterval = TimeSpan.FromSeconds(2);

    /// <summary>The default of <see cref="StalledAfter"/>: five minutes.</summary>
    public static readonly TimeSpan DefaultStalledAfter = TimeSpan.FromMinutes(5);

    /// <summary>The smallest <see cref="SampleInterval"/>: 100 milliseconds.</summary>
    public static readonly TimeSpan MinSampleInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The largest <see cref="SampleInterval"/>: one minute.</summary>
    public static readonly TimeSpan MaxSampleInterval = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets the title shown on every page. Default <see cref="DefaultTitle"/>.</summary>
    public string Title { get; set; } = DefaultTitle;

    /// <summary>
    /// Gets or sets how often the one sampler of the process reads the counts, jobs and hosts that every open page
    /// shows (server-sent events; all tabs share one sample). Default 2 seconds, from 100 milliseconds to one minute.
    /// The counts themselves are cached by <see cref="IPipelineCatalog"/>, so a shorter interval costs no extra count query.
    /// </summary>
    public TimeSpan SampleInterval { get; set; } = DefaultSampleInterval;

    /// <summary>
    /// Gets or sets how long a workflow with queued rows may show no progress (no rows finished, no fewer queued,
    /// no run on this host that claimed rows) before its tile shows "stalled". Default 5 minutes; at least one second.
    /// </summary>
    public TimeSpan StalledAfter { get; set; } = DefaultStalledAfter;

    /// <summary>
    /// Gets or sets whether a loopback caller may act (re-queue, cancel, reset stuck, pause, resume, run now) when the
    /// dashboard is mapped without authorization metadata and so answers loopback requests only. Default
    /// <see langword="true"/>: the caller is on the machine itself. Ignored when <see cref="Authorize"/> is set.
    /// </summary>
    public bool LoopbackActions { get; set; } = true;

    /// <summary>
    /// Gets or sets the app's permission resolver: asked for <see cref="DashboardPermission.View"/> on every page and
    /// for each action before it is shown enabled and again before it runs. <see langword="null"/> (the default): any
    /// caller that reached the dashboard (through its policy, <c>AllowAnonymous</c>, or loopback) may view; actions are
    /// refused, except in loopback-only mode with <see cref="LoopbackActions"/>.
    /// </summary>
    /// <example><c>o.Authorize = c => ValueTask.FromResult(c.Permission == DashboardPermission.View || c.User.IsInRole("ops-admin"));</c></example>
    public Func<DashboardAuthorizationContext, ValueTask<bool>>? Authorize { get; set; }

    /// <summary>Gets or sets how many rows the rows page shows at a time (1 to 1,000). Default 50.</summary>
    public int PageSize { get; set; } = 50;
}
