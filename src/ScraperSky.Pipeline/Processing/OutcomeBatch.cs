using Npgsql;
using ScraperSky.Pipeline.Claiming;

namespace ScraperSky.Pipeline.Processing;

/// <summary>
/// Collects the outcomes of one batch as parallel arrays so that they reach the database in one
/// <c>UPDATE … FROM unnest(…)</c> statement instead of a round trip per row.
/// </summary>
internal sealed class OutcomeBatch
{
    private readonly Array _keys;
    private readonly short[] _kinds;
    private readonly string?[] _reasons;

    public OutcomeBatch(Array keys)
    {
        _keys = keys;
        _kinds = new short[keys.Length];
        _reasons = new string?[keys.Length];
    }

    public int Count { get; private set; }

    public int Completed { get; private set; }

    public int Failed { get; private set; }

    public void Add(object? key, ItemResult result)
    {
        _keys.SetValue(key, Count);
        if (result.Kind == ItemResultKind.Completed)
        {
            _kinds[Count] = WorkflowSql.CompletedKind;
            Completed++;
        }
        else
        {
            _kinds[Count] = WorkflowSql.ErrorKind;
            _reasons[Count] = result.Reason;
            Failed++;
        }

        Count++;
    }

    public NpgsqlParameter[] ToParameters()
    {
        var keys = _keys;
        var kinds = _kinds;
        var reasons = _reasons;
        if (Count < _keys.Length)
        {
            keys = Array.CreateInstance(_keys.GetType().GetElementType()!, Count);
            Array.Copy(_keys, keys, Count);
            kinds = _kinds[..Count];
            reasons = _reasons[..Count];
        }

        return
        [
            new NpgsqlParameter(WorkflowSql.KeysParameter, keys),
            new NpgsqlParameter(WorkflowSql.KindsParameter, kinds),
            new NpgsqlParameter(WorkflowSql.ReasonsParameter, reasons),
        ];
    }
}
