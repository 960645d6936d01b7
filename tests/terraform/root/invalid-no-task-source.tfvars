# Neither create_baseline nor an existing task.
