using System.Linq.Expressions;
using ScraperSky.Pipeline.Definition;

namespace ScraperSky.Pipeline.Processing;

/// <summary>Reads the key of claimed entities into a typed array, the shape the batched outcome statement binds.</summary>
internal sealed class KeyReader<TEntity>
    where TEntity : class
{
    private readonly Func<TEntity, object?> _getter;
    private readonly Func<object?, object?>? _toProvider;
    private readonly Type _providerType;

    public KeyReader(WorkflowDefinition definition)
    {
        var member = (System.Reflection.MemberInfo?)definition.KeyProperty.PropertyInfo ?? definition.KeyProperty.FieldInfo
            ?? throw WorkflowDefinitionResolver.Misconfigured(definition.Registration, "entity", $"the key '{definition.KeyProperty.Name}' is a shadow property; the claim needs a key the entity carries.");
        var entity = Expression.Parameter(typeof(TEntity), "entity");
        var access = Expression.Convert(Expression.MakeMemberAccess(Expression.Convert(entity, member.DeclaringType!), member), typeof(object));
        _getter = Expression.Lambda<Func<TEntity, object?>>(access, entity).Compile();
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
    public static Func<TEntity, int> IntegerGetter(Microsoft.EntityFrameworkCore.Metadata.IProperty property)
    {
        var member = (System.Reflection.MemberInfo?)property.PropertyInfo ?? property.FieldInfo
            ?? throw new InvalidOperationException($"Property '{property.Name}' is a shadow property.");
        var entity = Expression.Parameter(typeof(TEntity), "entity");
        var access = Expression.Convert(Expression.MakeMemberAccess(Expression.Convert(entity, member.DeclaringType!), member), typeof(int));
        return Expression.Lambda<Func<TEntity, int>>(access, entity).Compile();
    }

    /// <summary>Compiles a getter returning a timestamp property (DateTime or DateTimeOffset, nullable or not) as a DateTimeOffset.</summary>
    public static Func<TEntity, DateTimeOffset?> TimestampGetter(Microsoft.EntityFrameworkCore.Metadata.IProperty property)
    {
        var member = (System.Reflection.MemberInfo?)property.PropertyInfo ?? property.FieldInfo
            ?? throw new InvalidOperationException($"Property '{property.Name}' is a shadow property.");
        var entity = Expression.Parameter(typeof(TEntity), "entity");
        var access = Expression.Convert(Expression.MakeMemberAccess(Expression.Convert(entity, member.DeclaringType!), member), typeof(object));
        var getter = Expression.Lambda<Func<TEntity, object?>>(access, entity).Compile();
        return e => getter(e) switch
        {
            DateTimeOffset offset => offset,
            DateTime { Kind: DateTimeKind.Unspecified } local => new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Utc)),
            DateTime dateTime => new DateTimeOffset(dateTime.ToUniversalTime()),
            _ => null,
        };
    }
}
