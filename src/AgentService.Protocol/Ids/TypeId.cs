namespace AgentService.Protocol.Ids;

/// <summary>
/// Platform identifiers: a lowercase prefix, '_', and a UUIDv7 as 26 lowercase Crockford base32 characters
/// (TypeID v0.3). Only the minter checks the format; everyone else treats ids as opaque strings.
/// </summary>
public static class TypeId
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
    private const int SuffixLength = 26;

    private static readonly Lock Gate = new();
    private static UInt128 _last;

    /// <summary>Mints a new time-sortable id with the given prefix, e.g. <c>run_01jq3v8d6ef5tr9w2k7m4n8p0x</c>. Ids minted
    /// by one process sort in the order they were minted, also within one millisecond (a UUIDv7 whose random bits
    /// count up from the previous id's when the clock has not moved on, RFC 9562 §6.2): sub-runs a runtime spawns at
    /// once list in spawn order.</summary>
    public static string New(string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        Span<byte> bytes = stackalloc byte[16];
        Guid.CreateVersion7().TryWriteBytes(bytes, bigEndian: true, out _);
        var value = System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
        lock (Gate)
        {
            // The low 62 bits are rand_b: counting up there keeps the version and variant bits; at its very end (never
            // in practice) the fresh random value is taken.
            const ulong RandB = (1UL << 62) - 1;
            if (value <= _last && ((ulong)_last & RandB) != RandB)
            {
                value = _last + 1;
            }

            _last = value;
        }

        return string.Create(prefix.Length + 1 + SuffixLength, (prefix, value), static (span, state) =>
        {
            state.prefix.AsSpan().CopyTo(span);
            span[state.prefix.Length] = '_';
            var suffix = span[(state.prefix.Length + 1)..];
            var v = state.value;
            for (var i = SuffixLength - 1; i >= 0; i--)
            {
                suffix[i] = Alphabet[(int)(v & 31)];
                v >>= 5;
            }
        });
    }

    /// <summary>True when <paramref name="id"/> is <paramref name="prefix"/> + '_' + a well-formed 26-character suffix.</summary>
    public static bool IsValid(string? id, string prefix)
    {
        if (id is null || id.Length != prefix.Length + 1 + SuffixLength
            || !id.StartsWith(prefix, StringComparison.Ordinal) || id[prefix.Length] != '_')
        {
            return false;
        }

        var suffix = id.AsSpan(prefix.Length + 1);
        if (suffix[0] is < '0' or > '7')
        {
            return false;
        }

        foreach (var c in suffix)
        {
            if (!Alphabet.Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
