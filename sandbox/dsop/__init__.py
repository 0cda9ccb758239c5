"""Facts of the DSOP standard itself (enumerations, service names), shared by the scenario, world and APIs."""
