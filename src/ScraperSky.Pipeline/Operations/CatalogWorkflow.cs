using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ScraperSky.Pipeline.Configuration;
using ScraperSky.Pipeline.Definition;
using ScraperSky.Pipeline.Hosting;

namespace ScraperSky.Pipeline.Operations;

/// <summary>
/// One workflow as the catalog sees it: its registration, its definition resolved from the EF Core model on first use
/// (once, whichever thread asks first; no database needed, so before the host starts and for disabled workflows), its
/// SQL, its cached counts and its description.
/// </summary>
internal sealed class CatalogWorkflow
{
    private readonly PipelineCatalog _catalog;
    private readonly WorkflowSettingsLocation? _location;
    private readonly Lazy<WorkflowDefinition> _definition;
    private readonly Lazy<CatalogSql> _sql;

    public CatalogWorkflow(PipelineCatalog catalog, StatusWorkflowRegistration registration, WorkflowSettingsLocation? location)
    {
        _catalog = catalog;
        _location = location;
        Registration = registration;
        _definition = new Lazy<WorkflowDefinition>(Resolve, LazyThreadSafetyMode.ExecutionAndPublication);
        _sql = new Lazy<CatalogSql>(() => new CatalogSql(Definition), LazyThreadSafetyMode.ExecutionAndPublication);
        Counts = new StatusCountCache(CountAsync, Period, catalog.Time, () => catalog.Cap);
    }

    public StatusWorkflowRegistration Registration { get; }

    public string Name => Registration.Name;

    public WorkflowDefinition Definition => _definition.Value;

    public CatalogSql Sql => _sql.Value;

    public StatusCountCache Counts { get; }

    private StatusWorkflowOptions Options => _catalog.Options.Get(Name);

    /// <summary>How long counts are cached: the workflow's interval, within 1 second and 1 minute.</summary>
    public TimeSpan Period()
        => TimeSpan.FromTicks(Math.Clamp(Options.Schedule.Interval.Ticks, TimeSpan.FromSeconds(1).Ticks, TimeSpan.FromMinutes(1).Ticks));

    public StatusWorkflowInfo Describe()
    {
        var d = Definition;
        var options = Options;
        var jobId = _catalog.Jobs.JobIdOf(Name);
        var schedule = _catalog.Jobs.ScheduleOf(Name);
        var mapping = d.StatusProperty.GetRelationalTypeMapping();
        var values = Registration.Values;
        var settings = _location is null
            ? []
            : EffectiveSettings.Of(options, jobId, _location, _catalog.Configuration).Select(s => new StatusWorkflowSetting(s.Path, s.Value, s.Source)).ToList();
        return new StatusWorkflowInfo
        {
            Name = Name,
            JobId = jobId,
            Table = d.TableDisplayName,
            KeyColumn = d.KeyProperty.GetColumnName(d.StoreObject) ?? d.KeyProperty.Name,
            StatusColumn = d.StatusProperty.GetColumnName(d.StoreObject) ?? d.StatusProperty.Name,
            Values = new Dictionary<StatusRole, string>
            {
                [StatusRole.Queued] = SqlLiteral.StoredText(mapping, values.Queued),
                [StatusRole.Processing] = SqlLiteral.StoredText(mapping, values.Processing),
                [StatusRole.Completed] = SqlLiteral.StoredText(mapping, values.Completed),
                [StatusRole.Error] = SqlLiteral.StoredText(mapping, values.Error),
            },
            EntityType = Registration.EntityType,
            Mode = options.Mode,
            Enabled = options.Enabled,
            Interval = schedule.Interval,
            Cron = _catalog.Jobs.CronOf(Name),
            HasErrorColumn = d.ErrorColumn is not null,
            HasUpdatedAt = d.UpdatedAtColumn is not null,
            Settings = settings,
        };
    }

    /// <summary>Runs one count of <paramref name="kind"/>; the cache decides which and when.</summary>
    public Task<StatusCounts> CountAsync(CountKind kind, CancellationToken cancellationToken)
    {
        var d = Definition;
        var stuck = Options.Mode == ClaimMode.Lease && d.LeaseColumn is not null;
        var parameters = d.Filter?.CreateParameters().ToList() ?? [];
        if (kind == CountKind.Capped)
        {
            parameters.Add(new NpgsqlParameter(CatalogSql.LimitParameter, _catalog.Cap + 1));
            return _catalog.Session.QueryAsync(d, Sql.CappedCounts, parameters, _catalog.CountTimeout, async (reader, ct) =>
            {
                await reader.ReadAsync(ct).ConfigureAwait(false);
                var counts = Enumerable.Range(0, 4).Select(reader.GetInt64).ToArray();
                return new StatusCounts
                {
                    Queued = Math.Min(counts[0], _catalog.Cap),
                    Processing = Math.Min(counts[1], _catalog.Cap),
                    Completed = Math.Min(counts[2], _catalog.Cap),
                    Error = Math.Min(counts[3], _catalog.Cap),
                    StuckProcessing = stuck ? Math.Min(reader.GetInt64(4), _catalog.Cap) : null,
                    OldestQueuedAt = CatalogSession.Timestamp(reader, 5),
                    IsExact = counts.All(c => c <= _catalog.Cap),
                    CountedAt = _catalog.Time.GetUtcNow(),
                };
            }, cancellationToken);
        }

        var timeout = kind == CountKind.Background ? _catalog.ExactCountTimeout : _catalog.CountTimeout;
        return _catalog.Session.QueryAsync(d, Sql.GroupedCounts, parameters, timeout, async (reader, ct) =>
        {
            var counts = new long[4];
            long stuckRows = 0;
            DateTimeOffset? oldest = null;
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                if (reader.IsDBNull(0))
                {
                    continue;
                }

                var role = reader.GetInt32(0);
                counts[role] = reader.GetInt64(1);
                stuckRows = role == (int)StatusRole.Processing && !reader.IsDBNull(2) ? reader.GetInt64(2) : stuckRows;
                oldest = role == (int)StatusRole.Queued ? CatalogSession.Timestamp(reader, 3) : oldest;
            }

            return new StatusCounts
            {
                Queued = counts[0],
                Processing = counts[1],
                Completed = counts[2],
                Error = counts[3],
                StuckProcessing = stuck ? stuckRows : null,
                OldestQueuedAt = oldest,
                IsExact = true,
                CountedAt = _catalog.Time.GetUtcNow(),
            };
        }, cancellationToken);
    }

    private WorkflowDefinition Resolve()
    {
        using var scope = _catalog.Scopes.CreateScope();
        var db = scope.ServiceProvider.GetService(Registration.ContextType) as DbContext
            ?? throw WorkflowDefinitionResolver.Misconfigured(Registration, "UseDbContext", $"DbContext '{Registration.ContextType.Name}' is not registered; call AddDbContext<{Registration.ContextType.Name}>(…) first.");
        return WorkflowDefinitionResolver.Resolve(Registration, db.Model);
    }
}
