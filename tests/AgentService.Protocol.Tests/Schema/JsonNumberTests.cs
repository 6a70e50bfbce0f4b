using System.Text;
using AgentService.Protocol.Schema.Text;

namespace AgentService.Protocol.Tests.Schema;

public sealed class JsonNumberTests
{
    [Theory]
    [InlineData("1", "1.0", 0)]
    [InlineData("100", "1e2", 0)]
    [InlineData("-0", "0", 0)]
    [InlineData("0.1", "1e-1", 0)]
    [InlineData("0.1", "0.10000000000000000001", -1)]
    [InlineData("-5", "3", -1)]
    [InlineData("-5", "-3", -1)]
    [InlineData("1e400", "1e399", 1)]
    [InlineData("1e-400", "0", 1)]
    [InlineData("-1e-400", "0", -1)]
    [InlineData("123456789012345678901234567890", "123456789012345678901234567891", -1)]
    [InlineData("1e99999999999999999999", "1e99999999999999999998", 1)] // exponents beyond long compare exactly too
    [InlineData("12.5E+3", "12500", 0)]
    public void Compare_IsExact(string a, string b, int expected)
    {
        var x = Parse(a);
        var y = Parse(b);

        Assert.Equal(expected, Math.Sign(x.CompareTo(y)));
        Assert.Equal(-expected, Math.Sign(y.CompareTo(x)));
        Assert.Equal(expected == 0, x == y);
        if (expected == 0)
        {
            Assert.Equal(x.GetHashCode(), y.GetHashCode());
        }
    }

    [Theory]
    [InlineData("0", "0")]
    [InlineData("-0.000", "0")]
    [InlineData("1500", "1500")]
    [InlineData("1.5e3", "1500")]
    [InlineData("0.00125", "0.00125")]
    [InlineData("-2.50", "-2.5")]
    [InlineData("1e30", "1e+30")]
    public void ToString_IsCanonical(string text, string expected) => Assert.Equal(expected, Parse(text).ToString());

    private static JsonNumber Parse(string text) => JsonNumber.Parse(Encoding.ASCII.GetBytes(text));
}
