using System.Text;

namespace AgentService.Client.Tests;

public sealed class WebhookSignatureTests
{
    private const string Secret = "whsec_test";
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"message_id":"msg_1"}""");
    private static readonly DateTimeOffset SignedAt = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    // HMAC-SHA256(key "whsec_test", "1700000000." + body), computed independently (Python hmac).
    private const string Expected = "v1=9055ac3f370d56f15b03fe36fa3a12359900018c0bf9d868b87dd30ba12903e3";

    [Fact]
    public void Compute_MatchesTheDocumentedRule()
    {
        Assert.Equal(Expected, WebhookSignature.Compute(Secret, 1_700_000_000, Body));
    }

    [Fact]
    public void Verify_GenuinePushWithinTolerance_IsValid()
    {
        Assert.True(WebhookSignature.Verify(Secret, "1700000000", Body, Expected, SignedAt.AddMinutes(4), WebhookSignature.DefaultTolerance));
        Assert.True(WebhookSignature.Verify(Secret, "1700000000", Body, Expected, SignedAt.AddMinutes(-4), WebhookSignature.DefaultTolerance));
        Assert.True(WebhookSignature.Verify(Secret, "1700000000", Body, Expected.ToUpperInvariant().Replace("V1=", "v1=", StringComparison.Ordinal), SignedAt, WebhookSignature.DefaultTolerance));
    }

    [Fact]
    public void Check_SeveralSignaturesInTheHeader_AcceptsAnyMatchingV1()
    {
        var header = "v0=abc, v1=" + new string('0', 64) + ", " + Expected;

        Assert.Equal(WebhookSignatureResult.Valid, WebhookSignature.Check(Secret, "1700000000", Body, header, SignedAt, WebhookSignature.DefaultTolerance));
    }

    [Theory]
    [InlineData(null, Expected, WebhookSignatureResult.MissingHeader)]
    [InlineData("1700000000", null, WebhookSignatureResult.MissingHeader)]
    [InlineData("", Expected, WebhookSignatureResult.MissingHeader)]
    [InlineData("17e8", Expected, WebhookSignatureResult.MalformedTimestamp)]
    [InlineData("-1700000000", Expected, WebhookSignatureResult.MalformedTimestamp)]
    [InlineData("1700000000.5", Expected, WebhookSignatureResult.MalformedTimestamp)]
    [InlineData("1700000000", "v1=zz", WebhookSignatureResult.Mismatch)]
    [InlineData("1700000000", "9055ac3f370d56f15b03fe36fa3a12359900018c0bf9d868b87dd30ba12903e3", WebhookSignatureResult.Mismatch)]
    [InlineData("1700000000", "v2=9055ac3f370d56f15b03fe36fa3a12359900018c0bf9d868b87dd30ba12903e3", WebhookSignatureResult.Mismatch)]
    [InlineData("1700000001", Expected, WebhookSignatureResult.Mismatch)]
    public void Check_BadHeaders_AreRefusedWithTheReason(string? timestamp, string? signature, WebhookSignatureResult expected)
    {
        Assert.Equal(expected, WebhookSignature.Check(Secret, timestamp, Body, signature, SignedAt, WebhookSignature.DefaultTolerance));
    }

    [Fact]
    public void Check_TamperedBodyOrWrongSecret_IsMismatch()
    {
        var tampered = Body.ToArray();
        tampered[5] ^= 1;

        Assert.Equal(WebhookSignatureResult.Mismatch, WebhookSignature.Check(Secret, "1700000000", tampered, Expected, SignedAt, WebhookSignature.DefaultTolerance));
        Assert.Equal(WebhookSignatureResult.Mismatch, WebhookSignature.Check("whsec_other", "1700000000", Body, Expected, SignedAt, WebhookSignature.DefaultTolerance));
    }

    [Fact]
    public void Check_OldOrFutureTimestamp_IsOutsideTolerance()
    {
        Assert.Equal(WebhookSignatureResult.OutsideTolerance,
            WebhookSignature.Check(Secret, "1700000000", Body, Expected, SignedAt.AddMinutes(6), WebhookSignature.DefaultTolerance));
        Assert.Equal(WebhookSignatureResult.OutsideTolerance,
            WebhookSignature.Check(Secret, "1700000000", Body, Expected, SignedAt.AddSeconds(-31), TimeSpan.FromSeconds(30)));
    }
}
