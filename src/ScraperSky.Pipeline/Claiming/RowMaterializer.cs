using System.Data.Common;
using System.Linq.Expressions;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace ScraperSky.Pipeline.Claiming;

/// <summary>
/// Reads claimed rows into entities straight from an <see cref="NpgsqlDataReader"/>, by ordinal, with readers compiled
/// once per workflow from the EF Core model: each mapped property's column in the table, the provider's reader method
/// for its store type, its value converter, and a NULL check where the property can hold one — what EF Core's own
/// materialiser does for the same shape, without the query pipeline. A row that cannot be read becomes unreadable with
/// a reason that names the column; the others are read. Shapes it does not read (see <see cref="Unsupported"/>) keep
/// EF Core's query.
/// </summary>
/// <remarks>
/// It also keeps what the claim read: <see cref="Snapshot"/> copies an entity as claimed (mutable values through the
/// property's <c>ValueComparer</c> snapshot), and <see cref="Changed"/> compares an entity with its snapshot by the
/// same comparers that EF Core's change detection uses, so that an item whose processor left the session alone costs
/// no change tracking (see <see cref="Processing.ItemInvoker{TEntity}"/>).
/// </remarks>
internal sealed class RowMaterializer<TEntity>
    where TEntity : class
{
    private readonly Func<TEntity>? _create;
    private readonly ColumnReader[] _columns = [];
    private readonly Func<TEntity, TEntity>? _snapshot;
    private readonly Func<TEntity, TEntity, bool>? _equal;
    private readonly int _keyColumn;

    private RowMaterializer(string unsupported) => Unsupported = unsupported;

    private RowMaterializer(Func<TEntity> create, ColumnReader[] columns, int keyColumn, Func<TEntity, TEntity> snapshot, Func<TEntity, TEntity, bool> equal, bool tracksLazily)
    {
        _create = create;
        _columns = columns;
        _keyColumn = keyColumn;
        _snapshot = snapshot;
        _equal = equal;
        TracksLazily = tracksLazily;
    }

    /// <summary>Why claimed rows of this entity type are read by EF Core's query instead; null when this reader reads them.</summary>
    public string? Unsupported { get; }

    /// <summary>
    /// Whether an item can run untracked and be attached only if its processor changed it: the entity has no
    /// navigations (a processor could reach other entities through them, which only change tracking would find).
    /// </summary>
    public bool TracksLazily { get; }

    /// <summary>Compiles the readers for the workflow's entity type, or describes why its shape is not read here.</summary>
    public static RowMaterializer<TEntity> Create(IEntityType entityType, StoreObjectIdentifier table)
    {
        try
        {
            return Build(entityType, table);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or NotSupportedException)
        {
            // A member the expressions cannot assign (a read-only field), a mapping without a reader method.
            return new RowMaterializer<TEntity>("its readers could not be compiled: " + ex.Message);
        }
    }

    private static RowMaterializer<TEntity> Build(IEntityType entityType, StoreObjectIdentifier table)
    {
        if (entityType.BaseType is not null || entityType.GetDirectlyDerivedTypes().Any())
        {
            return new RowMaterializer<TEntity>("the entity is part of an inheritance hierarchy (a discriminator picks the CLR type)");
        }

        if (entityType.GetComplexProperties().Any())
        {
            return new RowMaterializer<TEntity>("the entity has complex properties");
        }

        if (entityType.GetNavigations().Any(n => n.TargetEntityType.IsOwned()) || entityType.IsOwned())
        {
            return new RowMaterializer<TEntity>("the entity owns other types (owned entities are read with it)");
        }

        if (entityType.GetServiceProperties().Any())
        {
            return new RowMaterializer<TEntity>("the entity has service properties (e.g. a lazy loader)");
        }

        var constructor = typeof(TEntity).GetConstructor(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, Type.EmptyTypes);
        if (constructor is null || typeof(TEntity) != entityType.ClrType)
        {
            return new RowMaterializer<TEntity>("the entity has no parameterless constructor");
        }

        var columns = new List<ColumnReader>();
        var snapshots = new List<MemberBinding>();
        Expression? equal = null;
        var left = Expression.Parameter(typeof(TEntity), "left");
        var right = Expression.Parameter(typeof(TEntity), "right");
        var keyColumn = -1;
        var primaryKey = entityType.FindPrimaryKey();
        foreach (var property in entityType.GetProperties())
        {
            if (property.IsShadowProperty())
            {
                return new RowMaterializer<TEntity>($"property '{property.Name}' is a shadow property");
            }

            var column = property.GetColumnName(table);
            if (column is null)
            {
                return new RowMaterializer<TEntity>($"property '{property.Name}' has no column in the table");
            }

            if (property.GetMemberInfo(forMaterialization: true, forSet: true) is not { } setMember
                || property.GetMemberInfo(forMaterialization: false, forSet: false) is not { } getMember)
            {
                return new RowMaterializer<TEntity>($"property '{property.Name}' cannot be set");
            }

            if (primaryKey is { Properties.Count: 1 } && primaryKey.Properties[0] == property)
            {
                keyColumn = columns.Count;
            }

            columns.Add(new ColumnReader(column, property.Name, CompileReader(property, setMember)));

            // The snapshot and the comparison use the property's own value comparer, as EF Core's change detection does.
            var comparer = property.GetValueComparer();
            var source = Access(left, getMember, property.ClrType);
            snapshots.Add(Expression.Bind(setMember, Convert(comparer.ExtractSnapshotBody(source), MemberType(setMember))));
            var same = comparer.ExtractEqualsBody(Access(left, getMember, property.ClrType), Access(right, getMember, property.ClrType));
            equal = equal is null ? same : Expression.AndAlso(equal, same);
        }

        if (keyColumn < 0)
        {
            return new RowMaterializer<TEntity>("the entity has no single-column primary key");
        }

        var create = Expression.Lambda<Func<TEntity>>(Expression.New(constructor)).Compile();
        var snapshot = Expression.Lambda<Func<TEntity, TEntity>>(Expression.MemberInit(Expression.New(constructor), snapshots), left).Compile();
        var equals = Expression.Lambda<Func<TEntity, TEntity, bool>>(equal ?? Expression.Constant(true), left, right).Compile();
        var tracksLazily = !entityType.GetNavigations().Any() && !entityType.GetSkipNavigations().Any();
        return new RowMaterializer<TEntity>(create, [.. columns], keyColumn, snapshot, equals, tracksLazily);
    }

    /// <summary>A copy of an entity as claimed, for <see cref="Changed"/>.</summary>
    public TEntity Snapshot(TEntity entity) => _snapshot!(entity);

    /// <summary>Whether any mapped property of <paramref name="entity"/> differs from its <paramref name="snapshot"/>.</summary>
    public bool Changed(TEntity entity, TEntity snapshot) => !_equal!(entity, snapshot);

    /// <summary>
    /// Runs a claim statement on the session's connection (and open transaction, if any), prepared by
    /// <paramref name="preparation"/> when given, and reads its rows. With <paramref name="transactionIdColumn"/>, the
    /// statement's last column is the claiming transaction's id.
    /// </summary>
    public async Task<Claim<TEntity>> ReadAsync(DbContext db, string sql, NpgsqlParameter[] parameters, bool transactionIdColumn, bool snapshots, CancellationToken cancellationToken, StatementPreparation? preparation = null)
    {
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var command = StatementPreparation.CreateCommand(db, sql, parameters);
            await using (command.ConfigureAwait(false))
            {
                if (preparation is not null)
                {
                    await preparation.PrepareAsync(command, cancellationToken).ConfigureAwait(false);
                }

                NpgsqlDataReader reader;
                try
                {
                    reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (PostgresException ex) when (preparation is not null && ex.SqlState == PostgresErrorCodes.InvalidSqlStatementName)
                {
                    preparation.Missing(command.Connection);
                    throw;
                }

                await using (reader.ConfigureAwait(false))
                {
                    return await ReadAsync(reader, transactionIdColumn, snapshots, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    private async Task<Claim<TEntity>> ReadAsync(NpgsqlDataReader reader, bool transactionIdColumn, bool snapshots, CancellationToken cancellationToken)
    {
        // Ordinals are resolved once per statement: the claim reads c.*, whose order is the table's. Columns are read in
        // that order (the model's property order is another), so that the reader never seeks back within a row.
        var ordinals = new int[_columns.Length];
        var order = new int[_columns.Length];
        for (var i = 0; i < ordinals.Length; i++)
        {
            ordinals[i] = reader.GetOrdinal(_columns[i].Name);
            order[i] = i;
        }

        Array.Sort((int[])ordinals.Clone(), order);

        List<TEntity> items = [];
        List<TEntity>? originals = snapshots ? [] : null;
        List<(object? Key, string Reason)>? unreadable = null;
        long? xid = null;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var entity = _create!();
            var column = 0;
            try
            {
                for (var k = 0; k < order.Length; k++)
                {
                    column = order[k];
                    _columns[column].Read(reader, ordinals[column], entity);
                }
            }
            catch (Exception ex) when (RowReader.IsMaterializationFailure(ex))
            {
                // The key of an unreadable row is read as the provider sends it: what the outcome statement binds.
                (unreadable ??= []).Add((reader.GetValue(ordinals[_keyColumn]), $"the row could not be read: column '{_columns[column].Name}' (property '{_columns[column].Property}'): {ErrorReason.Of(ex)}"));
                continue;
            }

            if (transactionIdColumn)
            {
                // The last column, read after the entity's own.
                xid ??= reader.GetInt64(reader.FieldCount - 1);
            }

            items.Add(entity);
            originals?.Add(_snapshot!(entity));
        }

        return new Claim<TEntity>(items, unreadable ?? (IReadOnlyList<(object?, string)>)[]) { Originals = originals, TransactionId = xid };
    }

    /// <summary>Compiles <c>(reader, ordinal, entity) =&gt; entity.Member = convert(reader.Get…(ordinal))</c>, NULL-checked where the property allows NULL.</summary>
    private static Action<DbDataReader, int, TEntity> CompileReader(IProperty property, MemberInfo member)
    {
        var mapping = (RelationalTypeMapping)property.GetRelationalTypeMapping();
        var converter = mapping.Converter;
        var providerType = converter?.ProviderClrType ?? mapping.ClrType;
        var reader = Expression.Parameter(typeof(DbDataReader), "reader");
        var ordinal = Expression.Parameter(typeof(int), "ordinal");
        var entity = Expression.Parameter(typeof(TEntity), "entity");

        var method = mapping.GetDataReaderMethod();
        Expression value = Expression.Call(method.DeclaringType == typeof(DbDataReader) ? reader : Expression.Convert(reader, method.DeclaringType!), method, ordinal);
        value = mapping.CustomizeDataReaderExpression(value);
        value = Convert(value, providerType);
        if (converter is not null)
        {
            value = ReplacingVisitor.Replace(converter.ConvertFromProviderExpression, Convert(value, converter.ConvertFromProviderExpression.Parameters[0].Type));
        }

        var memberType = MemberType(member);
        value = Convert(value, memberType);
        var nullable = property.IsNullable && (!memberType.IsValueType || Nullable.GetUnderlyingType(memberType) is not null);
        if (nullable)
        {
            value = Expression.Condition(Expression.Call(reader, IsDbNull, ordinal), Expression.Default(memberType), value);
        }

        var target = Expression.MakeMemberAccess(Expression.Convert(entity, member.DeclaringType!), member);
        return Expression.Lambda<Action<DbDataReader, int, TEntity>>(Expression.Assign(target, value), reader, ordinal, entity).Compile();
    }

    private static readonly MethodInfo IsDbNull = typeof(DbDataReader).GetMethod(nameof(DbDataReader.IsDBNull), [typeof(int)])!;

    private static Type MemberType(MemberInfo member) => member is PropertyInfo p ? p.PropertyType : ((FieldInfo)member).FieldType;

    private static Expression Access(Expression entity, MemberInfo member, Type type)
        => Convert(Expression.MakeMemberAccess(Expression.Convert(entity, member.DeclaringType!), member), type);

    private static Expression Convert(Expression expression, Type type) => expression.Type == type ? expression : Expression.Convert(expression, type);

    private sealed record ColumnReader(string Name, string Property, Action<DbDataReader, int, TEntity> Read);

    /// <summary>Inlines a converter's lambda body with its parameter replaced.</summary>
    private sealed class ReplacingVisitor(ParameterExpression parameter, Expression replacement) : ExpressionVisitor
    {
        public static Expression Replace(LambdaExpression lambda, Expression argument)
            => new ReplacingVisitor(lambda.Parameters[0], argument).Visit(lambda.Body);

        protected override Expression VisitParameter(ParameterExpression node) => node == parameter ? replacement : base.VisitParameter(node);
    }
}
