using ScraperSky.Pipeline.Processing;

namespace ScraperSky.Pipeline.Tests.Processing;

/// <summary>Transaction control in raw SQL a processor sends through its session (issue 12, point 1).</summary>
public sealed class TransactionControlScannerTests
{
    [Theory]
    [InlineData("COMMIT", "COMMIT")]
    [InlineData("commit", "COMMIT")]
    [InlineData("UPDATE t SET a = 1; COMMIT", "COMMIT")]
    [InlineData("UPDATE t SET a = 1;\n  rollback;", "ROLLBACK")]
    [InlineData("Begin", "BEGIN")]
    [InlineData("START TRANSACTION ISOLATION LEVEL SERIALIZABLE", "START TRANSACTION")]
    [InlineData("start /* why not */ transaction", "START TRANSACTION")]
    [InlineData("SAVEPOINT a", "SAVEPOINT")]
    [InlineData("RELEASE SAVEPOINT a", "RELEASE")]
    [InlineData("END", "END")]
    [InlineData("abort", "ABORT")]
    [InlineData("PREPARE TRANSACTION 'x'", "PREPARE TRANSACTION")]
    [InlineData("COMMIT PREPARED 'x'", "COMMIT")]
    [InlineData("-- a comment\nCOMMIT", "COMMIT")]
    [InlineData("/* a /* nested */ comment */ COMMIT", "COMMIT")]
    [InlineData("SELECT 1;;  ;COMMIT", "COMMIT")]
    [InlineData("SELECT 'it''s'; END", "END")]
    [InlineData("SELECT $$;$$; ROLLBACK", "ROLLBACK")]
    public void Find_TransactionControl_IsFound(string sql, string expected)
        => TransactionControlScanner.Find(sql).Should().Be(expected);

    [Theory]
    [InlineData("SELECT 1")]
    [InlineData("SELECT 'commit'")]
    [InlineData("SELECT 'a; COMMIT'")]
    [InlineData("SELECT E'it\\'s; COMMIT'")]
    [InlineData("SELECT \"commit\" FROM t")]
    [InlineData("SELECT \"a;\"\" COMMIT\" FROM t")]
    [InlineData("DO $$ BEGIN PERFORM 1; END $$")]
    [InlineData("DO $body$ BEGIN COMMIT; END $body$")]
    [InlineData("SELECT $1; SELECT $2")]
    [InlineData("-- COMMIT\nSELECT 1")]
    [InlineData("/* ; COMMIT */ SELECT 1")]
    [InlineData("UPDATE t SET committed = true WHERE ended_at IS NULL")]
    [InlineData("PREPARE q AS SELECT 1")]
    [InlineData("START_TRANSACTION()")]
    [InlineData("")]
    [InlineData(null)]
    public void Find_NoTransactionControl_ReturnsNull(string? sql)
        => TransactionControlScanner.Find(sql).Should().BeNull();
}
