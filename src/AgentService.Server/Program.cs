using AgentService.Server.Hosting;

return await AgentServiceApp.RunAsync(args, Console.Error, "AgentService could not start: ");
