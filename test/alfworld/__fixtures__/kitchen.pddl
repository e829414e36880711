; A small hand-written ALFWorld problem for unit tests. Two receptacles share a location
; (countertop and coffee machine), the mug starts in both, the cabinets are numbered in reverse
; id order, and there is one of each appliance.
(define (problem kitchen_fixture)
(:domain alfred)
(:objects
    agent1 - agent
    loc_bar_0_bar_0_bar_0_bar_0 - location
    loc_bar_1_bar_1_bar_0_bar_0 - location
    loc_bar_2_bar_2_bar_0_bar_0 - location
    loc_bar_3_bar_3_bar_0_bar_0 - location
    loc_bar_4_bar_4_bar_0_bar_0 - location
    loc_bar_5_bar_5_bar_0_bar_0 - location
    loc_bar_6_bar_6_bar_0_bar_0 - location
    loc_bar_7_bar_7_bar_0_bar_0 - location
    CounterTop_bar__plus_01_dot_00 - receptacle
    CoffeeMachine_bar__plus_01_dot_00 - receptacle
    Fridge_bar__plus_02_dot_00 - receptacle
    Microwave_bar__plus_03_dot_00 - receptacle
    Sink_bar__plus_04_dot_00_bar_SinkBasin - receptacle
    Cabinet_bar__minus_05_dot_00 - receptacle
    Cabinet_bar__plus_06_dot_00 - receptacle
    SideTable_bar__plus_07_dot_00 - receptacle
    Apple_bar__plus_01_dot_10 - object
    Mug_bar__plus_01_dot_20 - object
    Knife_bar__minus_05_dot_10 - object
    Book_bar__plus_06_dot_10 - object
    DeskLamp_bar__plus_07_dot_10 - object
    Bowl_bar__plus_02_dot_10 - object
    Egg_bar__plus_02_dot_20 - object
    AppleType MugType KnifeType BookType DeskLampType BowlType EggType - otype
    CounterTopType CoffeeMachineType FridgeType MicrowaveType SinkBasinType CabinetType SideTableType - rtype
)
(:init
    (atLocation agent1 loc_bar_0_bar_0_bar_0_bar_0)
    (receptacleAtLocation CounterTop_bar__plus_01_dot_00 loc_bar_1_bar_1_bar_0_bar_0)
    (receptacleAtLocation CoffeeMachine_bar__plus_01_dot_00 loc_bar_1_bar_1_bar_0_bar_0)
    (receptacleAtLocation Fridge_bar__plus_02_dot_00 loc_bar_2_bar_2_bar_0_bar_0)
    (receptacleAtLocation Microwave_bar__plus_03_dot_00 loc_bar_3_bar_3_bar_0_bar_0)
    (receptacleAtLocation Sink_bar__plus_04_dot_00_bar_SinkBasin loc_bar_4_bar_4_bar_0_bar_0)
    (receptacleAtLocation Cabinet_bar__minus_05_dot_00 loc_bar_5_bar_5_bar_0_bar_0)
    (receptacleAtLocation Cabinet_bar__plus_06_dot_00 loc_bar_6_bar_6_bar_0_bar_0)
    (receptacleAtLocation SideTable_bar__plus_07_dot_00 loc_bar_7_bar_7_bar_0_bar_0)
    (receptacleType CounterTop_bar__plus_01_dot_00 CounterTopType)
    (receptacleType CoffeeMachine_bar__plus_01_dot_00 CoffeeMachineType)
    (receptacleType Fridge_bar__plus_02_dot_00 FridgeType)
    (receptacleType Microwave_bar__plus_03_dot_00 MicrowaveType)
    (receptacleType Sink_bar__plus_04_dot_00_bar_SinkBasin SinkBasinType)
    (receptacleType Cabinet_bar__minus_05_dot_00 CabinetType)
    (receptacleType Cabinet_bar__plus_06_dot_00 CabinetType)
    (receptacleType SideTable_bar__plus_07_dot_00 SideTableType)
    (openable Fridge_bar__plus_02_dot_00)
    (openable Microwave_bar__plus_03_dot_00)
    (openable Cabinet_bar__minus_05_dot_00)
    (openable Cabinet_bar__plus_06_dot_00)
    (objectType Apple_bar__plus_01_dot_10 AppleType)
    (objectType Mug_bar__plus_01_dot_20 MugType)
    (objectType Knife_bar__minus_05_dot_10 KnifeType)
    (objectType Book_bar__plus_06_dot_10 BookType)
    (objectType DeskLamp_bar__plus_07_dot_10 DeskLampType)
    (objectType Bowl_bar__plus_02_dot_10 BowlType)
    (objectType Egg_bar__plus_02_dot_20 EggType)
    (inReceptacle Apple_bar__plus_01_dot_10 CounterTop_bar__plus_01_dot_00)
    (inReceptacle Mug_bar__plus_01_dot_20 CounterTop_bar__plus_01_dot_00)
    (inReceptacle Mug_bar__plus_01_dot_20 CoffeeMachine_bar__plus_01_dot_00)
    (inReceptacle Knife_bar__minus_05_dot_10 Cabinet_bar__minus_05_dot_00)
    (inReceptacle Book_bar__plus_06_dot_10 Cabinet_bar__plus_06_dot_00)
    (inReceptacle DeskLamp_bar__plus_07_dot_10 SideTable_bar__plus_07_dot_00)
    (inReceptacle Bowl_bar__plus_02_dot_10 Fridge_bar__plus_02_dot_00)
    (inReceptacle Egg_bar__plus_02_dot_20 Fridge_bar__plus_02_dot_00)
    (inReceptacleObject Egg_bar__plus_02_dot_20 Bowl_bar__plus_02_dot_10)
    (objectAtLocation Apple_bar__plus_01_dot_10 loc_bar_1_bar_1_bar_0_bar_0)
    (objectAtLocation Mug_bar__plus_01_dot_20 loc_bar_1_bar_1_bar_0_bar_0)
    (objectAtLocation Knife_bar__minus_05_dot_10 loc_bar_5_bar_5_bar_0_bar_0)
    (objectAtLocation Book_bar__plus_06_dot_10 loc_bar_6_bar_6_bar_0_bar_0)
    (objectAtLocation DeskLamp_bar__plus_07_dot_10 loc_bar_7_bar_7_bar_0_bar_0)
    (objectAtLocation Bowl_bar__plus_02_dot_10 loc_bar_2_bar_2_bar_0_bar_0)
    (objectAtLocation Egg_bar__plus_02_dot_20 loc_bar_2_bar_2_bar_0_bar_0)
    (pickupable Apple_bar__plus_01_dot_10)
    (pickupable Mug_bar__plus_01_dot_20)
    (pickupable Knife_bar__minus_05_dot_10)
    (pickupable Book_bar__plus_06_dot_10)
    (pickupable Bowl_bar__plus_02_dot_10)
    (pickupable Egg_bar__plus_02_dot_20)
    (heatable Apple_bar__plus_01_dot_10)
    (coolable Apple_bar__plus_01_dot_10)
    (cleanable Apple_bar__plus_01_dot_10)
    (sliceable Apple_bar__plus_01_dot_10)
    (cleanable Mug_bar__plus_01_dot_20)
    (toggleable DeskLamp_bar__plus_07_dot_10)
    (isReceptacleObject Bowl_bar__plus_02_dot_10)
    (isReceptacleObject Mug_bar__plus_01_dot_20)
    (canContain CounterTopType AppleType)
    (canContain CounterTopType MugType)
    (canContain CounterTopType KnifeType)
    (canContain CounterTopType BookType)
    (canContain CounterTopType BowlType)
    (canContain CoffeeMachineType MugType)
    (canContain CoffeeMachineType AppleType)
    (canContain FridgeType AppleType)
    (canContain FridgeType MugType)
    (canContain FridgeType BowlType)
    (canContain FridgeType EggType)
    (canContain MicrowaveType AppleType)
    (canContain MicrowaveType MugType)
    (canContain SinkBasinType AppleType)
    (canContain SinkBasinType MugType)
    (canContain CabinetType MugType)
    (canContain CabinetType BookType)
    (canContain CabinetType KnifeType)
    (canContain SideTableType BookType)
    (canContain SideTableType MugType)
)
(:goal GOAL)
)
