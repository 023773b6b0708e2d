namespace ScraperSky.Pipeline.Processing;

/// <summary>
/// Finds transaction control in SQL text a processor sends through its session: a statement whose leading keyword is
/// <c>COMMIT</c>, <c>ROLLBACK</c>, <c>BEGIN</c>, <c>START TRANSACTION</c>, <c>SAVEPOINT</c>, <c>RELEASE</c>,
/// <c>END</c>, <c>ABORT</c> or <c>PREPARE TRANSACTION</c>, in any case, in any statement of a multi-statement text.
/// Comments are skipped; words inside string literals (standard and <c>E''</c>), quoted identifiers and dollar-quoted
/// bodies are never matched, so <c>DO $$ BEGIN … END $$</c> or <c>SELECT 'commit'</c> pass.
/// </summary>
internal static class TransactionControlScanner
{
    /// <summary>Returns the transaction-control keyword(s) leading a statement of <paramref name="sql"/>, or null.</summary>
    public static string? Find(string? sql)
    {
        if (string.IsNullOrEmpty(sql))
        {
            return null;
        }

        var i = 0;
        var atStatementStart = true;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            if (c == '-' && At(sql, i + 1, '-'))
            {
                i = SkipLineComment(sql, i);
                continue;
            }

            if (c == '/' && At(sql, i + 1, '*'))
            {
                i = SkipBlockComment(sql, i);
                continue;
            }

            if (c == ';')
            {
                atStatementStart = true;
                i++;
                continue;
            }

            if (atStatementStart)
            {
                atStatementStart = false;
                if (IsWordStart(c))
                {
                    var (word, end) = Word(sql, i);
                    var control = Control(sql, word, end);
                    if (control is not null)
                    {
                        return control;
                    }

                    i = end;
                    continue;
                }
            }

            i = SkipToken(sql, i);
        }

        return null;
    }

    private static string? Control(string sql, string word, int end)
    {
        switch (word.ToUpperInvariant())
        {
            case "COMMIT":
            case "ROLLBACK":
            case "BEGIN":
            case "SAVEPOINT":
            case "RELEASE":
            case "END":
            case "ABORT":
                return word.ToUpperInvariant();
            case "START":
            case "PREPARE":
                var next = NextWord(sql, end);
                return string.Equals(next, "TRANSACTION", StringComparison.OrdinalIgnoreCase) ? word.ToUpperInvariant() + " TRANSACTION" : null;
            default:
                return null;
        }
    }

    /// <summary>Skips one token inside a statement: a quoted thing as a whole, otherwise one character.</summary>
    private static int SkipToken(string sql, int i)
    {
        var c = sql[i];
        if (c == '\'')
        {
            // An E'' string takes backslash escapes; a standard string only doubled quotes.
            var escaped = i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') && (i == 1 || !IsWordPart(sql[i - 2]));
            return SkipQuoted(sql, i, '\'', escaped);
        }

        if (c == '"')
        {
            return SkipQuoted(sql, i, '"', backslashEscapes: false);
        }

        if (c == '$' && DollarTag(sql, i) is { } tag)
        {
            var close = sql.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
            return close < 0 ? sql.Length : close + tag.Length;
        }

        if (IsWordStart(c))
        {
            // A whole word, so that the E of a word such as "ARE" is not read as an E'' prefix later on.
            return Word(sql, i).End;
        }

        return i + 1;
    }

    private static int SkipQuoted(string sql, int i, char quote, bool backslashEscapes)
    {
        for (var j = i + 1; j < sql.Length; j++)
        {
            if (backslashEscapes && sql[j] == '\\')
            {
                j++;
                continue;
            }

            if (sql[j] == quote)
            {
                if (At(sql, j + 1, quote))
                {
                    j++;
                    continue;
                }

                return j + 1;
            }
        }

        return sql.Length;
    }

    /// <summary>The opening <c>$tag$</c> at <paramref name="i"/>, or null (a positional parameter such as <c>$1</c> is not one).</summary>
    private static string? DollarTag(string sql, int i)
    {
        var j = i + 1;
        if (j < sql.Length && char.IsDigit(sql[j]))
        {
            return null;
        }

        while (j < sql.Length && (char.IsLetterOrDigit(sql[j]) || sql[j] == '_'))
        {
            j++;
        }

        return j < sql.Length && sql[j] == '$' ? sql[i..(j + 1)] : null;
    }

    private static int SkipLineComment(string sql, int i)
    {
        var end = sql.IndexOf('\n', i);
        return end < 0 ? sql.Length : end + 1;
    }

    private static int SkipBlockComment(string sql, int i)
    {
        // PostgreSQL's block comments nest.
        var depth = 0;
        for (var j = i; j < sql.Length - 1; j++)
        {
            if (sql[j] == '/' && sql[j + 1] == '*')
            {
                depth++;
                j++;
            }
            else if (sql[j] == '*' && sql[j + 1] == '/')
            {
                depth--;
                j++;
                if (depth == 0)
                {
                    return j + 1;
                }
            }
        }

        return sql.Length;
    }

    private static string? NextWord(string sql, int i)
    {
        while (i < sql.Length)
        {
            if (char.IsWhiteSpace(sql[i]))
            {
                i++;
            }
            else if (sql[i] == '-' && At(sql, i + 1, '-'))
            {
                i = SkipLineComment(sql, i);
            }
            else if (sql[i] == '/' && At(sql, i + 1, '*'))
            {
                i = SkipBlockComment(sql, i);
            }
            else
            {
                break;
            }
        }

        return i < sql.Length && IsWordStart(sql[i]) ? Word(sql, i).Word : null;
    }

    private static (string Word, int End) Word(string sql, int i)
    {
        var j = i;
        while (j < sql.Length && IsWordPart(sql[j]))
        {
            j++;
        }

        return (sql[i..j], j);
    }

    private static bool At(string sql, int i, char c) => i < sql.Length && sql[i] == c;

    private static bool IsWordStart(char c) => char.IsLetter(c) || c == '_';

    private static bool IsWordPart(char c) => char.IsLetterOrDigit(c) || c == '_' || c == '$';
}
