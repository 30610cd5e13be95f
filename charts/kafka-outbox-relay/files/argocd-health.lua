-- Argo CD health of an OutboxRelay (resource.customizations.health.outbox.kafka-relay.dev_OutboxRelay).
-- Healthy means what Ready means: configured, available and publishing (rows flow or nothing is pending).
-- Suspended: spec.paused, the operator leaves the children as they are.
-- Progressing: the operator has not reported on this generation yet, the pods are starting, or no relay
-- pod has reported on the outbox yet.
-- Degraded: a user error (a Secret missing or lacking a key, a child refused, a rollout past its deadline)
-- or Publishing False (Kafka or the database unavailable or refusing the credentials, held topics, a
-- backlog older than spec.relay.stalledAfter).
local hs = {}

local function condition(conditions, type)
  for _, c in ipairs(conditions or {}) do
    if c.type == type then
      return c
    end
  end
  return nil
end

local function describe(c)
  return c.type .. " " .. c.status .. ": " .. (c.reason or "") .. ": " .. (c.message or "")
end

if obj.spec ~= nil and obj.spec.paused == true then
  hs.status = "Suspended"
  hs.message = "spec.paused is true: the operator leaves the relay's Deployment and CronJobs as they are"
  return hs
end

local status = obj.status or {}
local generation = obj.metadata and obj.metadata.generation
if status.observedGeneration == nil or (generation ~= nil and status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  return hs
end

local ready = condition(status.conditions, "Ready")
if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the Ready condition"
  return hs
end
if ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message or ""
  return hs
end

local publishing = condition(status.conditions, "Publishing")
if publishing ~= nil and publishing.status == "False" then
  hs.status = "Degraded"
  hs.message = describe(publishing)
  return hs
end

-- Not ready for a reason that passes by itself: pods starting, or no report yet.
local waiting = { DeploymentUnavailable = true, AwaitingReport = true }
if waiting[ready.reason] then
  hs.status = "Progressing"
  hs.message = describe(ready)
  return hs
end

hs.status = "Degraded"
hs.message = describe(ready)
return hs
