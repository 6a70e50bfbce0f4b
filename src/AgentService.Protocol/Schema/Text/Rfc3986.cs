namespace AgentService.Protocol.Schema.Text;

/// <summary>The RFC 3986 <c>URI</c> and <c>URI-reference</c> productions (ASCII only; IRIs are not URIs).</summary>
internal static class Rfc3986
{
    /// <summary>An absolute URI with a scheme (fragment allowed): the <c>uri</c> format.</summary>
    public static bool IsUri(ReadOnlySpan<char> s) => SchemeLength(s) > 0 && IsReference(s);

    /// <summary>A URI or a relative reference: the <c>uri-reference</c> format.</summary>
    public static bool IsReference(ReadOnlySpan<char> s)
    {
        var hash = s.IndexOf('#');
        if (hash >= 0)
        {
            if (!AllOf(s[(hash + 1)..], QueryOrFragmentChar))
            {
                return false;
            }

            s = s[..hash];
        }

        var question = s.IndexOf('?');
        if (question >= 0)
        {
            if (!AllOf(s[(question + 1)..], QueryOrFragmentChar))
            {
                return false;
            }

            s = s[..question];
        }

        var schemeLength = SchemeLength(s);
        var relative = schemeLength == 0;
        if (!relative)
        {
            s = s[(schemeLength + 1)..];
        }

        if (s.StartsWith("//"))
        {
            s = s[2..];
            var slash = s.IndexOf('/');
            var authority = slash < 0 ? s : s[..slash];
            s = slash < 0 ? [] : s[slash..];
            if (!IsAuthority(authority))
            {
                return false;
            }
        }
        else if (relative)
        {
            // path-noscheme: the first segment of a relative path cannot hold ':' (it would read as a scheme).
            var slash = s.IndexOf('/');
            var first = slash < 0 ? s : s[..slash];
            if (first.Contains(':'))
            {
                return false;
            }
        }

        return AllOf(s, c => c == '/' || IsPChar(c), allowPercent: true);
    }

    /// <summary>Length of a leading "scheme:" (without the colon), or 0.</summary>
    private static int SchemeLength(ReadOnlySpan<char> s)
    {
        if (s.Length == 0 || !char.IsAsciiLetter(s[0]))
        {
            return 0;
        }

        for (var i = 1; i < s.Length; i++)
        {
            var c = s[i];
            if (c == ':')
            {
                return i;
            }

            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.'))
            {
                return 0;
            }
        }

        return 0;
    }

    private static bool IsAuthority(ReadOnlySpan<char> authority)
    {
        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            if (!AllOf(authority[..at], c => IsUnreserved(c) || IsSubDelim(c) || c == ':', allowPercent: true))
            {
                return false;
            }

            authority = authority[(at + 1)..];
        }

        ReadOnlySpan<char> port = [];
        if (authority.StartsWith("["))
        {
            var close = authority.IndexOf(']');
            if (close < 0 || !IsIpLiteral(authority[1..close]))
            {
                return false;
            }

            var after = authority[(close + 1)..];
            if (after.Length > 0)
            {
                if (after[0] != ':')
                {
                    return false;
                }

                port = after[1..];
            }
        }
        else
        {
            var colon = authority.LastIndexOf(':');
            var host = colon < 0 ? authority : authority[..colon];
            port = colon < 0 ? [] : authority[(colon + 1)..];
            if (!AllOf(host, c => IsUnreserved(c) || IsSubDelim(c), allowPercent: true))
            {
                return false;
            }
        }

        foreach (var c in port)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsIpLiteral(ReadOnlySpan<char> literal)
    {
        if (literal.Length > 1 && (literal[0] == 'v' || literal[0] == 'V'))
        {
            // IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
            var dot = literal.IndexOf('.');
            return dot > 1 && dot < literal.Length - 1
                && AllOf(literal[1..dot], char.IsAsciiHexDigit)
                && AllOf(literal[(dot + 1)..], c => IsUnreserved(c) || IsSubDelim(c) || c == ':');
        }

        return literal.Contains(':')
            && System.Net.IPAddress.TryParse(literal, out var address)
            && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            && !literal.Contains('%'); // zone ids are not part of RFC 3986
    }

    private static bool QueryOrFragmentChar(char c) => IsPChar(c) || c is '/' or '?';

    private static bool IsPChar(char c) => IsUnreserved(c) || IsSubDelim(c) || c is ':' or '@';

    private static bool IsUnreserved(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~';

    private static bool IsSubDelim(char c) => c is '!' or '$' or '&' or '\'' or '(' or ')' or '*' or '+' or ',' or ';' or '=';

    private static bool AllOf(ReadOnlySpan<char> s, Func<char, bool> allowed, bool allowPercent = true)
    {
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '%' && allowPercent)
            {
                if (i + 2 >= s.Length || !char.IsAsciiHexDigit(s[i + 1]) || !char.IsAsciiHexDigit(s[i + 2]))
                {
                    return false;
                }

                i += 2;
            }
            else if (!allowed(c))
            {
                return false;
            }
        }

        return true;
    }
}
