namespace AgentService.Protocol.Schema.Text;

/// <summary>The RFC 3339 (section 5.6) <c>date-time</c> production, with calendar and leap-second checks. Used by the
/// schema validator's <c>format</c> and by the service's own time parameters.</summary>
public static class Rfc3339
{
    // date-time = full-date ("T" / "t") full-time; full-time = hh ":" mm ":" ss ["." 1*DIGIT] ("Z" / "z" / ("+" / "-") hh ":" mm)
    public static bool IsDateTime(ReadOnlySpan<char> s)
    {
        if (s.Length < 20
            || !TryDigits(s, 0, 4, out var year) || s[4] != '-'
            || !TryDigits(s, 5, 2, out var month) || s[7] != '-'
            || !TryDigits(s, 8, 2, out var day)
            || (s[10] != 'T' && s[10] != 't')
            || !TryDigits(s, 11, 2, out var hour) || s[13] != ':'
            || !TryDigits(s, 14, 2, out var minute) || s[16] != ':'
            || !TryDigits(s, 17, 2, out var second))
        {
            return false;
        }

        if (month is < 1 or > 12 || day < 1 || day > DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 60)
        {
            return false;
        }

        var i = 19;
        if (s[i] == '.')
        {
            var start = ++i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }

            if (i == start)
            {
                return false;
            }
        }

        if (i >= s.Length)
        {
            return false;
        }

        int offsetMinutes;
        if (s[i] is 'Z' or 'z')
        {
            offsetMinutes = 0;
            i++;
        }
        else if (s[i] is '+' or '-')
        {
            if (s.Length - i != 6 || !TryDigits(s, i + 1, 2, out var offsetHour) || s[i + 3] != ':'
                || !TryDigits(s, i + 4, 2, out var offsetMinute) || offsetHour > 23 || offsetMinute > 59)
            {
                return false;
            }

            offsetMinutes = ((offsetHour * 60) + offsetMinute) * (s[i] == '-' ? -1 : 1);
            i += 6;
        }
        else
        {
            return false;
        }

        if (i != s.Length)
        {
            return false;
        }

        if (second == 60)
        {
            // A leap second is inserted at the end of a UTC day: 23:59:60 in UTC.
            var utcMinutes = (((hour * 60) + minute - offsetMinutes) % 1440 + 1440) % 1440;
            return utcMinutes == (23 * 60) + 59;
        }

        return true;
    }

    private static int DaysInMonth(int year, int month) => month switch
    {
        2 => (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28,
        4 or 6 or 9 or 11 => 30,
        _ => 31,
    };

    private static bool TryDigits(ReadOnlySpan<char> s, int start, int count, out int value)
    {
        value = 0;
        for (var k = start; k < start + count; k++)
        {
            if (!char.IsAsciiDigit(s[k]))
            {
                return false;
            }

            value = (value * 10) + (s[k] - '0');
        }

        return true;
    }
}
