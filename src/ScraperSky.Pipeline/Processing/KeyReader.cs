using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore.Metadata;
using ScraperSky.Pipeline.Definition;

namespace ScraperSky.Pipeline.Processing;

/// <summary>
/// Reads the key of claimed entities into a typed array, the shape the batched outcome statement binds; and compiles
/// the other getters the loop reads from claimed entities (attempts, queued time).
/// </summary>
internal sealed class KeyReader<TEntity>
    where TEntity : class
{
    private readonly Func<TEntity, object?> _getter;
    private readonly Func<object?, object?>? _toProvider;
    private readonly Type _providerType;

    public KeyReader(WorkflowDefinition definition)
    {
        if (definition.KeyProperty.PropertyInfo is null && definition.KeyProperty.FieldInfo is null)
        {
            throw WorkflowDefinitionResolver.Misconfigured(definition.Registration, "entity", $"the key '{definition.KeyProperty.Name}' is a shadow property; the claim needs a key the entity carries.");
        }

        _getter = Getter<object?>(definition.KeyProperty);
        _toProvider = definition.KeyConverter?.ConvertToProvider;
        _providerType = definition.KeyProviderType;
    }

    public object? Read(TEntity entity)
    {
        var key = _getter(entity);
        return _toProvider is null ? key : _toProvider(key);
    }

    public Array CreateArray(int length) => Array.CreateInstance(_providerType, length);

    /// <summary>Compiles a getter for an integer property (the attempt counter), whatever its integer width.</summary>
    public static Func<TEntity, int> IntegerGetter(IProperty property) => Getter<int>(property);

    /// <summary>Compiles a getter returning a timestamp property (DateTime or DateTimeOffset, nullable or not) as a DateTimeOffset.</summary>
    public static Func<TEntity, DateTimeOffset?> TimestampGetter(IProperty property)
    {
        var getter = Getter<object?>(property);
        return e => getter(e) switch
        {
            DateTimeOffset offset => offset,
            DateTime { Kind: DateTimeKind.Unspecified } local => new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Utc)),
            DateTime dateTime => new DateTimeOffset(dateTime.ToUniversalTime()),
            _ => null,
        };
    }

    /// <summary>Compiles <c>entity =&gt; (T)entity.Property</c> for a mapped property or field.</summary>
    private static Func<TEntity, T> Getter<T>(IProperty property)
    {
        var member = (System.Reflection.MemberInfo?)property.PropertyInfo ?? property.FieldInfo
            ?? throw new InvalidOperationException($"Property '{property.Name}' is a shadow property.");
        var entity = Expression.Parameter(typeof(TEntity), "entity");
        var access = Expression.Convert(Expression.MakeMemberAccess(Expression.Convert(entity, member.DeclaringType!), member), typeof(T));
        return Expression.Lambda<Func<TEntity, T>>(access, entity).Compile();
    }
}
