using AgentService.Protocol.Ids;

namespace AgentService.Runtime.Tests.Infrastructure;

/// <summary>Well-formed ids for the scripted service (the spec examples' where they match).</summary>
public static class Ids
{
    public const string Run = "run_01kjmma2sgepnt9mh6md1smrkw";
    public const string SubRun = "run_01kjmma3jjfmdredd9r8vd8t39";
    public const string Attempt = "att_01kjmma4rbeqds72rv88rrnbyv";
    public const string SubAttempt = "att_01kjmma624fcyvvk6jbkwj8d0k";
    public const string Session = "ses_01kjmma3y8f2g95b9ggzjx4fet";
    public const string Instance = "rti_01kjmma6hqesrt2fjx5yy6t30v";
    public const string Connection1 = "rtc_01kjmma7k7epeb589sh31d026w";
    public const string Connection2 = "rtc_01kjmma7vhed2scsp3ez4zgaa1";
    public const string Token = "run-token-secret";

    public static string Delivery() => TypeId.New("dlv");

    public static string Step() => TypeId.New("stp");
}
