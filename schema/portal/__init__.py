"""The partner portal: ``me``, ``myPartner``, ``myAssignments``, ``respondToOffer``, and the
planners' ``offers`` view."""
