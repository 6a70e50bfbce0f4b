using System.Net;
using System.Net.Http.Headers;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.MultiNode;

/// <summary>
/// Rate limits on several nodes: a key's budget is the cluster's, so a balancer spreading its requests over N nodes
/// does not give it N times its rate. Skipped (with the reason) without <c>AGENTSERVICE_TEST_POSTGRES</c>.
/// </summary>
[Trait("Storage", "PostgresOnly")]
public sealed class MultiNodeRateLimitTests
{
    [PostgresFact]
    public async Task AKeysBudget_SpentOnOneNode_IsSpentOnTheOthers()
    {
        await using var cluster = await NodeCluster.StartAsync(2, "--auth", "apikey",
            "--AgentService:RateLimits:PerKey:TokensPerSecond=1", "--AgentService:RateLimits:PerKey:Burst=6");
        var key = (await File.ReadAllTextAsync(Path.Combine(cluster.Hosts[0].DataDir, "admin.key"))).Trim();
        using var a = Client(cluster.Hosts[0], key);
        using var b = Client(cluster.Hosts[1], key);

        // The key spends its whole burst on A.
        for (var i = 0; i < 6; i++)
        {
            using var response = await a.GetAsync("ap/v1/agent/tasks");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // B hears of it within a few flush intervals: of four requests there, at most the one token refilled since
        // passes (B's own bucket was full: without sharing, all four would).
        await Task.Delay(Server.Security.SharedRateBuckets.FlushInterval * 6);
        var passed = 0;
        for (var i = 0; i < 4; i++)
        {
            using var response = await b.GetAsync("ap/v1/agent/tasks");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                passed++;
            }
            else
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
                Assert.NotNull(response.Headers.RetryAfter);
            }
        }

        Assert.InRange(passed, 0, 1);
    }

    private static HttpClient Client(ServiceHost host, string key)
    {
        var http = host.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }
}
