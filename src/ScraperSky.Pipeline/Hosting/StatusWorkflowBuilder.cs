using System.Linq.Expressions;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ScraperSky.Pipeline.Configuration;
using ScraperSky.Pipeline.Definition;
using ScraperSky.Pipeline.Processing;

namespace ScraperSky.Pipeline;

/// <summary>
/// Describes one status workflow registered by <c>AddStatusWorkflow</c>: the session, the status property and its four
/// values, the optional columns, the processor, the settings and where they are read. Methods return the builder so
/// that calls chain. The parts are checked when the host starts: a missing one stops it with a message naming the call.
/// </summary>
/// <typeparam name="TEntity">The entity whose rows move through the statuses.</typeparam>
/// <typeparam name="TStatus">The CLR type of the status property: an enum, a string or an integer type.</typeparam>
public sealed partial class StatusWorkflowBuilder<TEntity, TStatus>
    where TEntity : class
{
    private readonly Lazy<StatusWorkflowRegistration> _registration;
    private Type? _contextType;
    private string? _statusProperty;
    private StatusValues? _values;
    private string? _errorTextProperty;
    private Type? _processorType;
    private LeaseProperties? _lease;
    private string? _nextAttemptProperty;
    private string? _updatedAtProperty;
    private readonly List<(string Property, bool Descending)> _orderBy = [];
    private LambdaExpression? _filter;

    internal StatusWorkflowBuilder(string name, IServiceCollection services)
    {
        Name = name;
        Services = services;
        SectionPath = WorkflowSettingsLocation.DefaultSectionPath(name);
        _registration = new Lazy<StatusWorkflowRegistration>(Build);
    }

    /// <summary>Gets the workflow's name: the key of its options and the default job id.</summary>
    public string Name { get; }

    /// <summary>Gets the service collection the workflow is registered in.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Sets the EF Core session type whose model maps <typeparamref name="TEntity"/>; it must be registered with <c>AddDbContext</c>.</summary>
    /// <typeparam name="TContext">The DbContext type.</typeparam>
    /// <returns>This builder.</returns>
    public StatusWorkflowBuilder<TEntity, TStatus> UseDbContext<TContext>()
        where TContext : DbContext
    {
        _contextType = typeof(TContext);
        if (!Services.Any(d => d.ServiceType == typeof(GuardedContextMarker<TContext>)))
        {
            Services.AddSingleton<GuardedContextMarker<TContext>>();
            Services.ConfigureDbContext<TContext>(options => options.AddInterceptors(LoopTransactionGuard.Instance));
        }

        return this;
    }

    /// <summary>Sets the status property and the workflow's four values of it (your own values, such as <c>Pending</c> for queued).</summary>
    /// <param name="property">The status property, as <c>e =&gt; e.Status</c>.</param>
    /// <param name="queued">The value that asks for processing.</param>
    /// <param name="processing">The value of a claimed row (visible in lease mode).</param>
    /// <param name="completed">The value written when the processor succeeds.</param>
    /// <param name="error">The value written when the processor fails.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="property"/> is not a property access, or two values are equal.</exception>
    /// <exception cref="ArgumentNullException">A value is null.</exception>
    public StatusWorkflowBuilder<TEntity, TStatus> Status(Expression<Func<TEntity, TStatus>> property, TStatus queued, TStatus processing, TStatus completed, TStatus error)
    {
        _statusProperty = PropertyName(property, nameof(property));
        var values = new StatusValues(
            NotNull(queued, nameof(queued)),
            NotNull(processing, nameof(processing)),
            NotNull(completed, nameof(completed)),
            NotNull(error, nameof(error)));
        var roles = values.ByRole().ToList();
        for (var i = 0; i < roles.Count; i++)
        {
            for (var j = i + 1; j < roles.Count; j++)
            {
                if (Equals(roles[i].Value, roles[j].Value))
                {
                    throw new ArgumentException(
                        $"Status workflow '{Name}' is misconfigured (Status): the {roles[i].Role} and {roles[j].Role} values are both '{roles[i].Value}'; the four status values must differ.",
                        roles[j].Role);
                }
            }
        }

        _values = values;
        return this;
    }

    /// <summary>Sets the string property that receives the error text of failed items (and is cleared on completion).</summary>
    /// <param name="property">The property, as <c>e =&gt; e.Error</c>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="property"/> is not a property access.</exception>
    public StatusWorkflowBuilder<TEntity, TStatus> ErrorText(Expression<Func<TEntity, string?>> property)
    {
        _errorTextProperty = PropertyName(property, nameof(property));
        return this;
    }

    /// <summary>
    /// Sets the columns lease mode (<see cref="ClaimMode.Lease"/>) writes: the attempt count, the lease expiry (a
    /// <c>timestamp with time zone</c> column) and the claim token that fences late outcomes.
    /// </summary>
    /// <param name="attempts">The attempt counter, as <c>e =&gt; e.Attempts</c>.</param>
    /// <param name="leaseExpiresAt">The lease expiry, as <c>e =&gt; e.LeaseExpiresAt</c>.</param>
    /// <param name="claimedBy">The claim token, as <c>e =&gt; e.ClaimedBy</c>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException">An argument is not a property access.</exception>
    public StatusWorkflowBuilder<TEntity, TStatus> Lease(Expression<Func<TEntity, int>> attempts, Expression<Func<TEntity, DateTimeOffset?>> leaseExpiresAt, Expression<Func<TEntity, string?>> claimedBy)
        => SetLease(attempts, leaseExpiresAt, claimedBy);

    /// <summary>
    /// Sets the columns lease mode (<see cref="ClaimMode.Lease"/>) writes, for an entity whose lease expiry is a
    /// <see cref="DateTime"/> (a <c>timestamp</c> column, read as UTC).
    /// </summary>
    /// <param name="attempts">The attempt counter, as <c>e =&gt; e.Attempts</c>.</param>
    /// <param name="leaseExpiresAt">The lease expiry, as <c>e =&gt; e.LeaseExpiresAt</c>.</param>
    /// <param name="claimedBy">The claim token, as <c>e =&gt; e.ClaimedBy</c>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException">An argument is not a property access.</exception>
    public StatusWorkflowBuilder<TEntity, TStatus> Lease(Expression<Func<TEntity, int>> attempts, Expression<Func<TEntity, DateTime?>> leaseExpiresAt, Expression<Func<TEntity, string?>> claimedBy)
        => SetLease(attempts, leaseExpiresAt, claimedBy);

    /// <summary>Sets the timestamp column before which a queued row is not claimed: written by retries (back-off) and snoozes.</summary>
    /// <param name="property">The property, as <c>e =&gt; e.NextAttemptAt</c>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="property"/> is not a property access.</exception>
    public StatusWorkflowBuilder<TEntity, TStatus> NextAttemptAt(Expression<Func<TEntity, DateTimeOffset?>> property)
    {
        _nextAttemptProperty = PropertyName(property, nameof(property));
        return this;
    }

    /// <summary>Sets the timestamp column before which a queued row is not claimed, for a <see cref="DateTime"/> property (read as UTC).</summary>
    /// <param name="property">The property, as <c>e =&gt; e.NextAttemptAt</c>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="property"/> is not a property access.</exception>
    public StatusWorkflowBuilder<TEntity, TStatus> NextAttemptAt(Expression<Func<TEntity, DateTime?>> property)
    {
        _nextAttemptProperty = PropertyName(property, nameof(property));
        return this;
    }

    /// <summary>Sets a timestamp column that every claim and outcome sets to the current time.</summary>
    /// <param name="property">The property, as <c>e =&gt; e.UpdatedAt</c>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="property"/> is not a property access.</exception>
    public StatusWorkflowBuilder<TEntity, TStatus> UpdatedAt(Expression<Func<TEntity, DateTimeOffset?>> property)
    {
        _updatedAtProperty = PropertyName(property, nameof(property));
        return this;
    }

    /// <summary>Sets a timestamp column that every claim and outcome sets to the current time, for a <see cref="DateTime"/> property (written as UTC).</summary>
    /// <param name="property">The property, as <c>e =&gt; e.UpdatedAt</c>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="property"/> is not a property access.</exception>
    public StatusWorkflowBuilder<TEntity, TStatus> UpdatedAt(Expression<Func<TEntity, DateTime?>> property)
    {
        _updatedAtProperty = PropertyName(property, nameof(property));
        return this;
    }

    /// <summary>Adds a claim-order column (such as a priority or an updated-at column); the key always ends the order.</summary>
    /// <param name="property">The property, as <c>e =&gt; e.Priority</c>.</param>
    /// <param name="descending">Whether larger values are claimed first.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="property"/> is not a property access.</exception>
    public StatusWorkflowBuilder<TEntity, TStatus> OrderBy<TValue>(Expression<Func<TEntity, TValue>> property, bool descending = false)
    {
        _orderBy.Add((PropertyName(property, nameof(property)), descending));
        return this;
    }

    /// <summary>
    /// Restricts the claim to rows matching <paramref name="filter"/> (for example one tenant). Supported: comparisons
    /// of mapped properties with constants or captured values, <c>&amp;&amp;</c>, <c>||</c>, <c>!</c>, null checks and
    /// <c>values.Contains(e.Property)</c>; values become parameters. Anything else stops start-up naming the expression.
    /// </summary>
    /// <param name="filter">The filter, as <c>e =&gt; e.TenantId == tenant</c>.</param>
    /// <returns>This builder.</returns>
    public StatusWorkflowBuilder<TEntity, TStatus> Where(Expression<Func<TEntity, bool>> filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (_filter is null)
        {
            _filter = filter;
        }
        else
        {
            // Combine with the earlier filter over one parameter, so repeated calls mean AND.
            var previous = (Expression<Func<TEntity, bool>>)_filter;
            var body = new ParameterReplacer(filter.Parameters[0], previous.Parameters[0]).Visit(filter.Body);
            _filter = Expression.Lambda<Func<TEntity, bool>>(Expression.AndAlso(previous.Body, body), previous.Parameters);
        }

        return this;
    }

    /// <summary>Sets the processor: the business logic for one item, resolved from the item's scope.</summary>
    /// <typeparam name="TProcessor">The processor type; registered as scoped unless already registered.</typeparam>
    /// <returns>This builder.</returns>
    public StatusWorkflowBuilder<TEntity, TStatus> UseProcessor<TProcessor>()
        where TProcessor : class, IStatusItemProcessor<TEntity>
    {
        _processorType = typeof(TProcessor);
        Services.TryAddScoped<TProcessor>();
        return this;
    }

    /// <summary>The workflow's registration, checked once, when the host first asks for it.</summary>
    internal StatusWorkflowRegistration Registration => _registration.Value;

    private StatusWorkflowRegistration Build()
    {
        var missing = new List<string>();
        if (_contextType is null)
        {
            missing.Add("UseDbContext<TContext>()");
        }

        if (_statusProperty is null || _values is null)
        {
            missing.Add("Status(property, queued, processing, completed, error)");
        }

        if (_processorType is null)
        {
            missing.Add("UseProcessor<TProcessor>()");
        }

        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"Status workflow '{Name}' is misconfigured: call {string.Join(", ", missing)} on its AddStatusWorkflow builder.");
        }

        return new StatusWorkflowRegistration(Name, _contextType!, typeof(TEntity), typeof(TStatus), _statusProperty!, _values!, _errorTextProperty, _processorType!)
        {
            Lease = _lease,
            NextAttemptProperty = _nextAttemptProperty,
            UpdatedAtProperty = _updatedAtProperty,
            OrderBy = _orderBy.ToArray(),
            Filter = _filter,
        };
    }

    private StatusWorkflowBuilder<TEntity, TStatus> SetLease(LambdaExpression attempts, LambdaExpression leaseExpiresAt, LambdaExpression claimedBy)
    {
        _lease = new LeaseProperties(
            PropertyName(attempts, nameof(attempts)),
            PropertyName(leaseExpiresAt, nameof(leaseExpiresAt)),
            PropertyName(claimedBy, nameof(claimedBy)));
        return this;
    }

    private string PropertyName(LambdaExpression property, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(property, parameterName);
        var body = property.Body is UnaryExpression { NodeType: ExpressionType.Convert } convert ? convert.Operand : property.Body;
        if (body is MemberExpression { Member: PropertyInfo or FieldInfo } member && member.Expression == property.Parameters[0])
        {
            return member.Member.Name;
        }

        throw new ArgumentException($"Status workflow '{Name}': '{property}' must be a direct property access such as e => e.Status.", parameterName);
    }

    private object NotNull(TStatus value, string parameterName)
        => (object?)value ?? throw new ArgumentNullException(parameterName, $"Status workflow '{Name}': the {parameterName} status value is null.");

    private sealed class ParameterReplacer(ParameterExpression from, ParameterExpression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
    }
}
