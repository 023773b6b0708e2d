using Npgsql;
using NpgsqlTypes;
using ScraperSky.Pipeline.Claiming;

namespace ScraperSky.Pipeline.Claiming;

/// <summary>
/// Collects the outcomes of one batch as parallel arrays so that they reach the database in one
/// <c>UPDATE … FROM unnest(…)</c> statement instead of a round trip per row.
/// </summary>
internal sealed class OutcomeBatch
{
    private readonly Array _keys;
    private readonly short[] _kinds;
    private readonly string?[] _reasons;
    private readonly TimeSpan[] _delays;
    private readonly string?[]? _tokens;

    /// <summary>Creates a batch for up to <paramref name="keys"/>' length outcomes.</summary>
    /// <param name="keys">An empty array of the key's provider type, as long as the batch can get.</param>
    /// <param name="withTokens">Whether each outcome carries its claim token (lease mode: outcomes of several claims in one statement).</param>
    public OutcomeBatch(Array keys, bool withTokens = false)
    {
        _keys = keys;
        _kinds = new short[keys.Length];
        _reasons = new string?[keys.Length];
        _delays = new TimeSpan[keys.Length];
        _tokens = withTokens ? new string?[keys.Length] : null;
    }

    public int Count { get; private set; }

    public int Completed { get; private set; }

    public int Failed { get; private set; }

    public int Retried { get; private set; }

    public object? KeyAt(int index) => _keys.GetValue(index);

    public void Add(object? key, short kind, string? reason = null, TimeSpan delay = default, string? token = null)
    {
        if (_tokens is not null)
        {
            _tokens[Count] = token;
        }

        _keys.SetValue(key, Count);
        _kinds[Count] = kind;
        _reasons[Count] = reason;
        _delays[Count] = delay;
        switch (kind)
        {
            case WorkflowSql.CompletedKind:
                Completed++;
                break;
            case WorkflowSql.ErrorKind:
                Failed++;
                break;
            case WorkflowSql.RetryKind:
            case WorkflowSql.SnoozeKind:
                Retried++;
                break;
        }

        Count++;
    }

    public NpgsqlParameter[] ToParameters()
    {
        var keys = _keys;
        var kinds = _kinds;
        var reasons = _reasons;
        var delays = _delays;
        var tokens = _tokens;
        if (Count < _keys.Length)
        {
            tokens = _tokens?[..Count];
            keys = Array.CreateInstance(_keys.GetType().GetElementType()!, Count);
            Array.Copy(_keys, keys, Count);
            kinds = _kinds[..Count];
            reasons = _reasons[..Count];
            delays = _delays[..Count];
        }

        // Typed parameters: Npgsql writes each array through its element type's converter, element by element without
        // boxing, and resolves the parameter's type once per data source rather than per execution.
        NpgsqlParameter[] parameters =
        [
            // The key array's type follows from its element type (the key's provider type), the same for every batch.
            TypedArrays.Create(WorkflowSql.KeysParameter, keys),
            new NpgsqlParameter<short[]>(WorkflowSql.KindsParameter, NpgsqlDbType.Array | NpgsqlDbType.Smallint) { TypedValue = kinds },
            new NpgsqlParameter<string?[]>(WorkflowSql.ReasonsParameter, NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = reasons },
            new NpgsqlParameter<TimeSpan[]>(WorkflowSql.DelaysParameter, NpgsqlDbType.Array | NpgsqlDbType.Interval) { TypedValue = delays },
        ];
        return tokens is null ? parameters : [.. parameters, new NpgsqlParameter<string?[]>(WorkflowSql.TokensParameter, NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = tokens }];
    }
}

/// <summary>Creates a typed Npgsql parameter for an array whose element type is known only at run time (a key's provider type).</summary>
internal static class TypedArrays
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, Func<string, Array, NpgsqlParameter>> Factories = new();

    public static NpgsqlParameter Create(string name, Array values)
        => Factories.GetOrAdd(values.GetType(), static type => CreateFactory(type))(name, values);

    private static Func<string, Array, NpgsqlParameter> CreateFactory(Type arrayType)
    {
        if (arrayType.GetElementType() is not { } element || arrayType.GetArrayRank() != 1)
        {
            return static (name, values) => new NpgsqlParameter(name, values);
        }

        var method = typeof(TypedArrays).GetMethod(nameof(Typed), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.MakeGenericMethod(element);
        return method.CreateDelegate<Func<string, Array, NpgsqlParameter>>();
    }

    private static NpgsqlParameter Typed<T>(string name, Array values) => new NpgsqlParameter<T[]>(name, (T[])values);
}
