using System.ComponentModel;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Configuration;
using ScraperSky.Pipeline.Definition;

namespace ScraperSky.Pipeline.Operations;

/// <summary>
/// The catalog of the host's status workflows: descriptions from the registrations, the EF Core model and the
/// options; counts from <see cref="StatusCountCache"/>; rows page by page in key order. Every query is read-only and
/// runs under a statement timeout (<see cref="CatalogSession"/>).
/// </summary>
internal sealed class PipelineCatalog : IPipelineCatalog
{
    /// <summary>The largest count taken per status before an exact count moves to the background.</summary>
    public const long DefaultCap = 100_000;

    /// <summary>The largest page of <see cref="GetRowsAsync"/>.</summary>
    public const int MaxPageSize = 1000;

    private readonly IReadOnlyList<CatalogWorkflow> _workflows;
    private readonly WakeUp.WakeUpStates? _wakeUpStates;

    public PipelineCatalog(
        IEnumerable<StatusWorkflowRegistration> registrations,
        IEnumerable<WorkflowSettingsLocation> locations,
        IOptionsMonitor<StatusWorkflowOptions> options,
        Hosting.WorkflowJobs jobs,
        IServiceScopeFactory scopes,
        TimeProvider time,
        IConfiguration? configuration = null,
        SqlClock? sqlClock = null,
        WakeUp.WakeUpStates? wakeUpStates = null)
    {
        _wakeUpStates = wakeUpStates;
        Options = options;
        Jobs = jobs;
        Scopes = scopes;
        Time = time;
        Configuration = configuration;
        Session = new CatalogSession(scopes, new WorkflowClock(time, sqlClock));
        var byName = locations.Where(l => !l.IsGroup).GroupBy(l => l.Workflow, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        _workflows = registrations.Select(r => new CatalogWorkflow(this, r, byName.GetValueOrDefault(r.Name))).ToList();
    }

    public IOptionsMonitor<StatusWorkflowOptions> Options { get; }

    /// <summary>Gets which job runs each workflow, and on which schedule (a group member's is its group's).</summary>
    public Hosting.WorkflowJobs Jobs { get; }

    public IServiceScopeFactory Scopes { get; }

    public TimeProvider Time { get; }

    public IConfiguration? Configuration { get; }

    /// <summary>Gets the runner of every catalog statement (its statement counter is a test seam).</summary>
    public CatalogSession Session { get; }

    /// <summary>Gets the cap of a count per status (a test seam makes it small).</summary>
    public long Cap { get; set; } = DefaultCap;

    /// <summary>Gets the statement timeout of counts and row pages.</summary>
    public TimeSpan CountTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets the statement timeout of the background exact count.</summary>
    public TimeSpan ExactCountTimeout { get; set; } = TimeSpan.FromMinutes(2);

    public IReadOnlyList<StatusWorkflowInfo> GetWorkflows() => _workflows.Select(w => w.Describe()).ToList();

    public StatusWorkflowInfo? GetWorkflow(string workflowName)
    {
        ArgumentNullException.ThrowIfNull(workflowName);
        return _workflows.FirstOrDefault(w => w.Name == workflowName)?.Describe();
    }

    public ValueTask<StatusCounts> GetCountsAsync(string workflowName, CancellationToken cancellationToken = default)
        => Find(workflowName).Counts.GetAsync(cancellationToken);

    public WakeUpStatus GetWakeUpStatus(string workflowName)
    {
        var workflow = Find(workflowName);
        if (_wakeUpStates?.Get(workflow.Name) is { } status)
        {
            return status;
        }

        // The listener has not started yet: say what it will do from the options it will read.
        var options = Options.Get(workflow.Name);
        return !options.Enabled ? new WakeUpStatus { State = WakeUpState.Off, Reason = "The workflow is disabled on this host." }
            : !options.WakeUp.Enabled ? new WakeUpStatus { State = WakeUpState.Off, Reason = "WakeUp:Enabled is false." }
            : new WakeUpStatus { State = WakeUpState.Connecting };
    }

    public async Task<StatusRowPage> GetRowsAsync(string workflowName, StatusRowFilter filter, string? after = null, int limit = 50, CancellationToken cancellationToken = default)
    {
        var workflow = Find(workflowName);
        ArgumentNullException.ThrowIfNull(filter);
        if (limit is < 1 or > MaxPageSize)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, $"Status workflow '{workflow.Name}': a page holds 1 to {MaxPageSize} rows.");
        }

        var d = workflow.Definition;
        object? afterKey = null;
        if (after is not null)
        {
            afterKey = RowFilterSql.ConvertKey(d, after)
                ?? throw new ArgumentException($"Status workflow '{workflow.Name}': '{after}' is not a key of this workflow (pass the Next of the previous page, or null for the first).", nameof(after));
        }

        var rowFilter = RowFilterSql.Translate(filter, d, WorkflowDefinitionResolver.CandidateAlias, otherValues: true);
        var parameters = (d.Filter?.CreateParameters() ?? []).Concat(rowFilter.CreateParameters()).ToList();
        parameters.Add(new NpgsqlParameter(CatalogSql.PageParameter, limit + 1));
        if (afterKey is not null)
        {
            parameters.Add(new NpgsqlParameter(CatalogSql.AfterParameter, afterKey));
        }

        var rows = await Session.QueryAsync(d, workflow.Sql.RowPage(rowFilter.Sql, afterKey is not null), parameters, CountTimeout, async (reader, ct) =>
        {
            var page = new List<StatusRow>();
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                page.Add(new StatusRow
                {
                    Key = KeyText(d, reader.GetValue(0)),
                    StatusValue = reader.GetString(1),
                    Status = reader.IsDBNull(2) ? null : (StatusRole)reader.GetInt32(2),
                    Error = reader.IsDBNull(3) ? null : reader.GetString(3),
                    Attempts = reader.IsDBNull(4) ? null : reader.GetInt32(4),
                    UpdatedAt = CatalogSession.Timestamp(reader, 5),
                    NextAttemptAt = CatalogSession.Timestamp(reader, 6),
                    LeaseExpiresAt = CatalogSession.Timestamp(reader, 7),
                });
            }

            return page;
        }, cancellationToken).ConfigureAwait(false);

        // One row more than asked says whether another page follows, so the last page never points at an empty one.
        return rows.Count > limit
            ? new StatusRowPage(rows.GetRange(0, limit), rows[limit - 1].Key)
            : new StatusRowPage(rows, null);
    }

    /// <summary>The workflow of that name; the message of an unknown name lists the registered ones.</summary>
    internal CatalogWorkflow Find(string workflowName)
    {
        ArgumentNullException.ThrowIfNull(workflowName);
        return _workflows.FirstOrDefault(w => w.Name == workflowName)
            ?? throw new ArgumentException(
                $"No status workflow is named '{workflowName}'; registered: {(_workflows.Count == 0 ? "none" : string.Join(", ", _workflows.Select(w => "'" + w.Name + "'")))}.",
                nameof(workflowName));
    }

    /// <summary>A key as text that <see cref="RowFilterSql.ConvertKey"/> reads back: the model's value, written invariantly.</summary>
    private static string KeyText(WorkflowDefinition definition, object provider)
    {
        var value = definition.KeyConverter?.ConvertFromProvider(provider) ?? provider;
        return value as string ?? TypeDescriptor.GetConverter(value.GetType()).ConvertToInvariantString(value) ?? Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty;
    }
}
