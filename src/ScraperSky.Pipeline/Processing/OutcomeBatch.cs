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
    private readonly TimeSpan[] _delays;

    public OutcomeBatch(Array keys)
    {
        _keys = keys;
        _kinds = new short[keys.Length];
        _reasons = new string?[keys.Length];
        _delays = new TimeSpan[keys.Length];
    }

    public int Count { get; private set; }

    public int Completed { get; private set; }

    public int Failed { get; private set; }

    public int Retried { get; private set; }

    public object? KeyAt(int index) => _keys.GetValue(index);

    public void Add(object? key, short kind, string? reason = null, TimeSpan delay = default)
    {
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
        if (Count < _keys.Length)
        {
            keys = Array.CreateInstance(_keys.GetType().GetElementType()!, Count);
            Array.Copy(_keys, keys, Count);
            kinds = _kinds[..Count];
            reasons = _reasons[..Count];
            delays = _delays[..Count];
        }

        return
        [
            new NpgsqlParameter(WorkflowSql.KeysParameter, keys),
            new NpgsqlParameter(WorkflowSql.KindsParameter, kinds),
            new NpgsqlParameter(WorkflowSql.ReasonsParameter, reasons),
            new NpgsqlParameter(WorkflowSql.DelaysParameter, delays),
        ];
    }
}
