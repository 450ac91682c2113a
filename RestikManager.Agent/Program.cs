using RestikManager.Agent;

return await AgentCommandLine.Create().Parse(args).InvokeAsync();
