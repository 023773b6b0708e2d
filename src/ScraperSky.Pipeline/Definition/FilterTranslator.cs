using System.Collections;
using System.Linq.Expressions;
using System.Reflection;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace ScraperSky.Pipeline.Definition;

/// <summary>
/// Translates a workflow's claim filter (<c>Where(e =&gt; …)</c>) into a SQL condition over the claim's row alias.
/// Only a small, predictable subset is accepted; values become parameters (converted by the property's value
/// converter), except values of native PostgreSQL enum properties, which become the provider's own literals.
/// Anything else is a misconfiguration reported at start-up.
/// </summary>
internal sealed class FilterTranslator : ExpressionVisitor
{
    private readonly IEntityType _entityType;
    private readonly StoreObjectIdentifier _table;
    private readonly ParameterExpression _row;
    private readonly string _alias;
    private readonly string _parameterPrefix;
    private readonly StringBuilder _sql = new();
    private readonly List<FilterParameter> _parameters = [];
    private bool _nullable;

    private FilterTranslator(IEntityType entityType, StoreObjectIdentifier table, ParameterExpression row, string alias, string parameterPrefix)
    {
        _parameterPrefix = parameterPrefix;
        _entityType = entityType;
        _table = table;
        _row = row;
        _alias = alias;
    }

    /// <summary>Translates <paramref name="filter"/> (parameters <paramref name="parameterPrefix"/>0, 1…); throws <see cref="NotSupportedException"/> naming the unsupported part.</summary>
    public static ClaimFilter Translate(LambdaExpression filter, IEntityType entityType, StoreObjectIdentifier table, string alias, string parameterPrefix = "filter_")
    {
        var translator = new FilterTranslator(entityType, table, filter.Parameters[0], alias, parameterPrefix);
        translator.Visit(filter.Body);
        return new ClaimFilter(translator._sql.ToString(), translator._parameters);
    }

    protected override Expression VisitBinary(BinaryExpression node)
    {
        switch (node.NodeType)
        {
            case ExpressionType.AndAlso:
            case ExpressionType.OrElse:
                _sql.Append('(');
                Visit(node.Left);
                _sql.Append(node.NodeType == ExpressionType.AndAlso ? " AND " : " OR ");
                Visit(node.Right);
                _sql.Append(')');
                return node;
            case ExpressionType.Equal:
            case ExpressionType.NotEqual:
            case ExpressionType.LessThan:
            case ExpressionType.LessThanOrEqual:
            case ExpressionType.GreaterThan:
            case ExpressionType.GreaterThanOrEqual:
                Comparison(node);
                return node;
            default:
                throw Unsupported(node);
        }
    }

    protected override Expression VisitUnary(UnaryExpression node)
    {
        if (node.NodeType == ExpressionType.Not)
        {
            // Every condition this translator writes is false in C# where SQL says NULL (a nullable column compared
            // with a value), and AND and OR treat NULL like false; only NOT does not: NOT NULL is NULL, which drops
            // the row, where C#'s !false keeps it. "IS NOT TRUE" negates with C#'s meaning.
            var nullableBefore = _nullable;
            _nullable = false;
            var start = _sql.Length;
            Visit(node.Operand);
            var inner = _sql.ToString(start, _sql.Length - start);
            _sql.Length = start;
            _sql.Append(_nullable ? $"({inner}) IS NOT TRUE" : $"NOT ({inner})");
            _nullable |= nullableBefore;
            return node;
        }

        if (node.NodeType == ExpressionType.Convert && RowProperty(node.Operand) is not null)
        {
            return Visit(node.Operand);
        }

        throw Unsupported(node);
    }

    protected override Expression VisitMember(MemberExpression node)
    {
        // A bare boolean property: e => e.IsActive.
        var property = RowProperty(node) ?? throw Unsupported(node);
        if (property.ClrType != typeof(bool))
        {
            throw Unsupported(node);
        }

        _sql.Append(Column(property)).Append(" = TRUE");
        return node;
    }

    protected override Expression VisitMethodCall(MethodCallExpression node)
    {
        // values.Contains(e.Property), as Enumerable.Contains or a collection's own Contains.
        var (collection, item) = node switch
        {
            { Method.Name: "Contains", Object: null, Arguments.Count: 2 } => (node.Arguments[0], node.Arguments[1]),
            // MemoryExtensions.Contains(span, value, comparer: null), as C# 14 binds array.Contains(value) in expression trees.
            { Method.Name: "Contains", Object: null, Arguments.Count: 3 } when node.Arguments[2] is ConstantExpression { Value: null }
                => (node.Arguments[0], node.Arguments[1]),
            { Method.Name: "Contains", Object: { } target, Arguments.Count: 1 } => (target, node.Arguments[0]),
            _ => throw Unsupported(node),
        };
        var property = RowProperty(item) ?? throw Unsupported(node);

        // C# 14 binds array.Contains(x) to MemoryExtensions.Contains over an implicit ReadOnlySpan conversion;
        // the array underneath is what holds the values.
        while (collection is MethodCallExpression { Method.Name: "op_Implicit", Arguments.Count: 1 } implicitConversion)
        {
            collection = implicitConversion.Arguments[0];
        }

        if (collection is UnaryExpression { NodeType: ExpressionType.Convert } conversion)
        {
            collection = conversion.Operand;
        }

        if (References(collection) || Evaluate(collection) is not IEnumerable values)
        {
            throw Unsupported(node);
        }

        var all = values.Cast<object?>().Select(v => ToColumnValue(property, v)).ToList();
        var converted = all.Where(v => v is not null).ToList();
        var column = Column(property);
        var mapping = property.GetRelationalTypeMapping();
        string condition;
        if (IsNativeEnum(property))
        {
            condition = column + (converted.Count == 0 ? " IN (NULL)" : " IN (" + string.Join(", ", converted.Select(v => SqlLiteral.For(mapping, v!))) + ")");
        }
        else
        {
            var providerType = mapping.Converter?.ProviderClrType ?? mapping.ClrType;
            var array = Array.CreateInstance(Nullable.GetUnderlyingType(providerType) ?? providerType, converted.Count);
            for (var i = 0; i < converted.Count; i++)
            {
                array.SetValue(ToProvider(property, converted[i]), i);
            }

            condition = $"{column} = ANY({AddParameter(array)})";
        }

        // C#: a list holding null contains a null property; SQL: NULL = ANY(…) is NULL.
        _sql.Append(converted.Count < all.Count ? $"({condition} OR {column} IS NULL)" : condition);
        _nullable |= property.IsNullable;
        return node;
    }

    protected override Expression VisitConstant(ConstantExpression node)
    {
        if (node.Value is bool b)
        {
            _sql.Append(b ? "TRUE" : "FALSE");
            return node;
        }

        throw Unsupported(node);
    }

    private void Comparison(BinaryExpression node)
    {
        var (property, valueExpression, swapped) = RowProperty(node.Left) is { } left
            ? (left, node.Right, false)
            : RowProperty(node.Right) is { } right ? (right, node.Left, true) : throw Unsupported(node);
        if (References(valueExpression))
        {
            throw Unsupported(node);
        }

        var value = ToColumnValue(property, Evaluate(valueExpression));
        var column = Column(property);
        if (value is null)
        {
            _sql.Append(column).Append(node.NodeType switch
            {
                ExpressionType.Equal => " IS NULL",
                ExpressionType.NotEqual => " IS NOT NULL",
                _ => throw Unsupported(node),
            });
            return;
        }

        var op = (node.NodeType, swapped) switch
        {
            (ExpressionType.Equal, _) => "=",
            (ExpressionType.NotEqual, _) => "<>",
            (ExpressionType.LessThan, false) or (ExpressionType.GreaterThan, true) => "<",
            (ExpressionType.LessThanOrEqual, false) or (ExpressionType.GreaterThanOrEqual, true) => "<=",
            (ExpressionType.GreaterThan, false) or (ExpressionType.LessThan, true) => ">",
            _ => ">=",
        };
        var operand = IsNativeEnum(property) ? SqlLiteral.For(property.GetRelationalTypeMapping(), value) : AddParameter(ToProvider(property, value));
        var comparison = $"{column} {op} {operand}";

        // C# != is true against null; SQL <> is not. Keep C#'s meaning for nullable columns.
        _sql.Append(node.NodeType == ExpressionType.NotEqual && property.IsNullable ? $"({comparison} OR {column} IS NULL)" : comparison);
        _nullable |= property.IsNullable;
    }

    private IProperty? RowProperty(Expression expression)
    {
        if (expression is UnaryExpression { NodeType: ExpressionType.Convert } convert)
        {
            expression = convert.Operand;
        }

        if (expression is MemberExpression { Member: PropertyInfo or FieldInfo } member && member.Expression == _row)
        {
            return _entityType.FindProperty(member.Member.Name)
                ?? throw new NotSupportedException($"property '{member.Member.Name}' is not mapped on entity '{_entityType.DisplayName()}'");
        }

        return null;
    }

    private string Column(IProperty property)
        => _alias + "." + SqlIdentifier.Quote(property.GetColumnName(_table)
            ?? throw new NotSupportedException($"property '{property.Name}' has no column in the workflow's table"));

    private string AddParameter(object? value)
    {
        var name = _parameterPrefix + _parameters.Count;
        _parameters.Add(new FilterParameter(name, value));
        return "@" + name;
    }

    private static bool IsNativeEnum(IProperty property)
    {
        var mapping = property.GetRelationalTypeMapping();
        var clr = Nullable.GetUnderlyingType(mapping.ClrType) ?? mapping.ClrType;
        return mapping.Converter is null && clr.IsEnum;
    }

    private static object? ToColumnValue(IProperty property, object? value)
    {
        if (value is null)
        {
            return null;
        }

        var clr = Nullable.GetUnderlyingType(property.ClrType) ?? property.ClrType;
        return clr.IsEnum && !value.GetType().IsEnum ? Enum.ToObject(clr, value) : value;
    }

    private static object? ToProvider(IProperty property, object? value)
        => value is null ? DBNull.Value : property.GetRelationalTypeMapping().Converter?.ConvertToProvider(value) ?? value;

    private bool References(Expression expression)
    {
        var finder = new ParameterFinder(_row);
        finder.Visit(expression);
        return finder.Found;
    }

    private static object? Evaluate(Expression expression)
        => expression is ConstantExpression constant
            ? constant.Value
            : Expression.Lambda<Func<object?>>(Expression.Convert(expression, typeof(object))).Compile(preferInterpretation: true)();

    private static NotSupportedException Unsupported(Expression node)
        => new($"'{node}' cannot be translated to SQL (supported: comparisons of mapped properties with values, &&, ||, !, null checks and values.Contains(e.Property))");

    private sealed class ParameterFinder(ParameterExpression parameter) : ExpressionVisitor
    {
        public bool Found { get; private set; }

        protected override Expression VisitParameter(ParameterExpression node)
        {
            Found |= node == parameter;
            return node;
        }
    }
}
