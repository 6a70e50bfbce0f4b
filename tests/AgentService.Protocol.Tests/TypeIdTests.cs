using AgentService.Protocol.Ids;

namespace AgentService.Protocol.Tests;

public sealed class TypeIdTests
{
    [Fact]
    public void New_HasPrefixAndA26CharacterCrockfordSuffix()
    {
        var id = TypeId.New(IdPrefixes.Run);

        Assert.Matches("^run_[0-7][0-9a-hjkmnp-tv-z]{25}$", id);
        Assert.True(TypeId.IsValid(id, IdPrefixes.Run));
    }

    [Fact]
    public void New_IsUniqueAndSortsByCreationTime()
    {
        var ids = new List<string>();
        for (var i = 0; i < 2000; i++)
        {
            ids.Add(TypeId.New("stp"));
            if (i % 500 == 0)
            {
                Thread.Sleep(2);
            }
        }

        Assert.Equal(ids.Count, ids.Distinct().Count());
        var firstMs = ids[0][..14];
        var lastMs = ids[^1][..14];
        Assert.True(string.CompareOrdinal(firstMs, lastMs) < 0, "the time part of later ids sorts after earlier ones");
    }

    [Fact]
    public void New_SortsInMintingOrder_AlsoWithinOneMillisecond_AndStaysAValidUuidV7()
    {
        // Thousands per millisecond: without counting up within the millisecond, their random bits would order them at random.
        var ids = Enumerable.Range(0, 20_000).Select(_ => TypeId.New(IdPrefixes.Run)).ToList();

        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.True(TypeId.IsValid(id, IdPrefixes.Run)));
        Assert.All(ids.Take(100), id => Assert.Equal(7, (int)(Decode(id) >> 76 & 0xF))); // version 7
        Assert.All(ids.Take(100), id => Assert.Equal(2, (int)(Decode(id) >> 62 & 0x3))); // variant 10
    }

    private static UInt128 Decode(string id)
    {
        UInt128 value = 0;
        foreach (var c in id[4..])
        {
            value = (value << 5) | (uint)"0123456789abcdefghjkmnpqrstvwxyz".IndexOf(c, StringComparison.Ordinal);
        }

        return value;
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("run_")]
    [InlineData("stp_01jq3v8d6ef5tr9w2k7m4n8p0x")]
    [InlineData("run_81jq3v8d6ef5tr9w2k7m4n8p0x")]
    [InlineData("run_01jq3v8d6ef5tr9w2k7m4n8p0")]
    [InlineData("run_01jq3v8d6ef5tr9w2k7m4n8pux")]
    [InlineData("run_01JQ3V8D6EF5TR9W2K7M4N8P0X")]
    [InlineData("run-01jq3v8d6ef5tr9w2k7m4n8p0x")]
    public void IsValid_RejectsMalformedIds(string? id) => Assert.False(TypeId.IsValid(id, "run"));
}
