using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace ScraperSky.Pipeline.Definition;

/// <summary>
/// Resolves a <see cref="WorkflowDefinition"/> from a registration and the EF Core model. Every failure is a
/// misconfiguration, reported with a message that names the workflow and the setting to change.
/// </summary>
internal static class WorkflowDefinitionResolver
{
    /// <summary>The alias of candidate rows in every claim statement; filters and orders are written over it.</summary>
    public const string CandidateAlias = "c";

    public static WorkflowDefinition Resolve(StatusWorkflowRegistration registration, IModel model)
    {
        var entityType = model.FindEntityType(registration.EntityType)
            ?? throw Misconfigured(registration, "entity", $"entity type '{registration.EntityType.Name}' is not part of the model of DbContext '{registration.ContextType.Name}'. Add a DbSet<{registration.EntityType.Name}> or configure it in OnModelCreating, or pass the right DbContext to UseDbContext<TContext>().");

        var tableName = entityType.GetTableName()
            ?? throw Misconfigured(registration, "entity", $"entity type '{entityType.DisplayName()}' is not mapped to a table (views, TPC roots and keyless types cannot be claimed).");
        var schema = entityType.GetSchema();
        var table = StoreObjectIdentifier.Table(tableName, schema);

        var key = entityType.FindPrimaryKey()
            ?? throw Misconfigured(registration, "entity", $"entity type '{entityType.DisplayName()}' has no primary key; the claim needs one key column.");
        if (key.Properties.Count != 1)
        {
            throw Misconfigured(registration, "entity", $"entity type '{entityType.DisplayName()}' has a composite primary key ({string.Join(", ", key.Properties.Select(p => p.Name))}); the claim needs a single key column.");
        }

        var keyProperty = key.Properties[0];
        var keyMapping = keyProperty.GetRelationalTypeMapping();

        var statusProperty = entityType.FindProperty(registration.StatusProperty)
            ?? throw Misconfigured(registration, "Status", $"property '{registration.StatusProperty}' is not mapped on entity '{entityType.DisplayName()}' (is it ignored, or not a column?).");
        var statusClrType = Nullable.GetUnderlyingType(statusProperty.ClrType) ?? statusProperty.ClrType;
        var declaredStatusType = Nullable.GetUnderlyingType(registration.StatusType) ?? registration.StatusType;
        if (statusClrType != declaredStatusType)
        {
            throw Misconfigured(registration, "TStatus", $"TStatus is '{registration.StatusType.Name}' but property '{entityType.DisplayName()}.{statusProperty.Name}' is '{statusProperty.ClrType.Name}'.");
        }

        var statusColumn = statusProperty.GetColumnName(table)
            ?? throw Misconfigured(registration, "Status", $"property '{statusProperty.Name}' has no column in table {Display(schema, tableName)}.");
        var statusMapping = statusProperty.GetRelationalTypeMapping();

        var literals = new StatusLiterals(
            SqlLiteral.For(statusMapping, registration.Values.Queued),
            SqlLiteral.For(statusMapping, registration.Values.Processing),
            SqlLiteral.For(statusMapping, registration.Values.Completed),
            SqlLiteral.For(statusMapping, registration.Values.Error));

        string? errorColumn = null;
        if (registration.ErrorTextProperty is { } errorName)
        {
            var errorProperty = entityType.FindProperty(errorName)
                ?? throw Misconfigured(registration, "ErrorText", $"property '{errorName}' is not mapped on entity '{entityType.DisplayName()}'.");
            if (errorProperty.ClrType != typeof(string))
            {
                throw Misconfigured(registration, "ErrorText", $"property '{entityType.DisplayName()}.{errorName}' is '{errorProperty.ClrType.Name}'; the error text must be a string column.");
            }

            errorColumn = SqlIdentifier.Quote(errorProperty.GetColumnName(table)
                ?? throw Misconfigured(registration, "ErrorText", $"property '{errorName}' has no column in table {Display(schema, tableName)}."));
        }

        var optional = new List<(string Role, string Column, IProperty Property)>();
        string? Optional(string? name, string setting, string role, Func<Type, bool> typeOk, string expected)
        {
            if (name is null)
            {
                return null;
            }

            var property = entityType.FindProperty(name)
                ?? throw Misconfigured(registration, setting, $"property '{name}' is not mapped on entity '{entityType.DisplayName()}'.");
            var clr = Nullable.GetUnderlyingType(property.ClrType) ?? property.ClrType;
            if (!typeOk(clr))
            {
                throw Misconfigured(registration, setting, $"property '{entityType.DisplayName()}.{name}' is '{property.ClrType.Name}'; the {role} must be {expected}.");
            }

            var column = SqlIdentifier.Quote(property.GetColumnName(table)
                ?? throw Misconfigured(registration, setting, $"property '{name}' has no column in table {Display(schema, tableName)}."));
            optional.Add((role, column, property));
            return column;
        }

        static bool IsInteger(Type t) => t == typeof(int) || t == typeof(long) || t == typeof(short);
        static bool IsTimestamp(Type t) => t == typeof(DateTimeOffset) || t == typeof(DateTime);
        var lease = registration.Lease;
        var attempts = Optional(lease?.Attempts, "Lease", "attempt counter", IsInteger, "an integer");
        var leaseColumn = Optional(lease?.LeaseExpiresAt, "Lease", "lease expiry", IsTimestamp, "a DateTimeOffset or DateTime (timestamptz)");
        var claimedBy = Optional(lease?.ClaimedBy, "Lease", "claim token", t => t == typeof(string), "a string");
        var nextAttempt = Optional(registration.NextAttemptProperty, "NextAttemptAt", "next-attempt time", IsTimestamp, "a DateTimeOffset or DateTime (timestamptz)");
        var updatedAt = Optional(registration.UpdatedAtProperty, "UpdatedAt", "updated-at time", IsTimestamp, "a DateTimeOffset or DateTime (timestamptz)");

        var order = new List<string>();
        foreach (var (name, descending) in registration.OrderBy)
        {
            var property = entityType.FindProperty(name)
                ?? throw Misconfigured(registration, "OrderBy", $"property '{name}' is not mapped on entity '{entityType.DisplayName()}'.");
            var column = property.GetColumnName(table)
                ?? throw Misconfigured(registration, "OrderBy", $"property '{name}' has no column in table {Display(schema, tableName)}.");
            order.Add($"{CandidateAlias}.{SqlIdentifier.Quote(column)}{(descending ? " DESC" : string.Empty)}");
        }

        var keyColumn = SqlIdentifier.Quote(keyProperty.GetColumnName(table) ?? keyProperty.Name);
        order.Add($"{CandidateAlias}.{keyColumn}");

        ClaimFilter? filter = null;
        if (registration.Filter is { } expression)
        {
            try
            {
                filter = FilterTranslator.Translate(expression, entityType, table, CandidateAlias);
            }
            catch (NotSupportedException ex)
            {
                throw Misconfigured(registration, "Where", ex.Message + ".");
            }
        }

        return new WorkflowDefinition
        {
            StoreObject = table,
            AttemptsColumn = attempts,
            LeaseColumn = leaseColumn,
            ClaimedByColumn = claimedBy,
            NextAttemptColumn = nextAttempt,
            UpdatedAtColumn = updatedAt,
            OrderBy = string.Join(", ", order),
            Filter = filter,
            OptionalColumns = optional,
            Registration = registration,
            Table = SqlIdentifier.Qualify(schema, tableName),
            TableDisplayName = Display(schema, tableName),
            KeyProperty = keyProperty,
            KeyColumn = keyColumn,
            KeyConverter = keyMapping.Converter,
            KeyProviderType = keyMapping.Converter?.ProviderClrType ?? keyMapping.ClrType,
            StatusProperty = statusProperty,
            StatusColumn = SqlIdentifier.Quote(statusColumn),
            StatusStorage = DescribeStorage(statusMapping),
            Literals = literals,
            ErrorColumn = errorColumn,
        };
    }

    private static string DescribeStorage(Microsoft.EntityFrameworkCore.Storage.RelationalTypeMapping mapping)
    {
        var provider = mapping.Converter?.ProviderClrType ?? mapping.ClrType;
        if (provider == typeof(string))
        {
            return $"text ({mapping.StoreType})";
        }

        if (provider.IsEnum && mapping.Converter is null)
        {
            return $"PostgreSQL enum ({mapping.StoreType})";
        }

        return $"{provider.Name} ({mapping.StoreType})";
    }

    private static string Display(string? schema, string table) => schema is null ? table : $"{schema}.{table}";

    internal static InvalidOperationException Misconfigured(StatusWorkflowRegistration registration, string setting, string problem)
        => new($"Status workflow '{registration.Name}' is misconfigured ({setting}): {problem}");
}
